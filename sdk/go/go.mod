module github.com/wrenn-dev/wrenn/sdk/go

go 1.19
