package wrenn_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	wrenn "github.com/wrenn-dev/wrenn/sdk/go"
)

// The three-line quick start: configuration comes from WRENN_API_URL / WRENN_API_KEY or the
// config file written by `wrenn up`.
func Example() {
	ctx := context.Background()
	client, err := wrenn.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	sb, err := client.CreateSandbox(ctx, wrenn.CreateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	res, err := sb.Commands.Run(ctx, "echo hello", wrenn.RunOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(res.Stdout)
}

// Output streams to callbacks while the command runs.
func ExampleCommands_Run_streaming() {
	ctx := context.Background()
	client, _ := wrenn.NewClient()
	sb, _ := client.CreateSandbox(ctx, wrenn.CreateOptions{})
	defer sb.Close()
	res, err := sb.Commands.Run(ctx, "for i in 1 2 3; do echo $i; sleep 1; done", wrenn.RunOptions{
		OnStdout: func(s string) { fmt.Print(s) },
		OnStderr: func(s string) { fmt.Fprint(os.Stderr, s) },
		Timeout:  time.Minute,
	})
	if errors.Is(err, wrenn.ErrTimeout) {
		log.Fatal("too slow")
	}
	fmt.Println("exit code", res.ExitCode)
}

// A background command with standard input.
func ExampleCommands_Start() {
	ctx := context.Background()
	client, _ := wrenn.NewClient()
	sb, _ := client.CreateSandbox(ctx, wrenn.CreateOptions{})
	defer sb.Close()
	h, err := sb.Commands.Start(ctx, "cat", wrenn.RunOptions{Stdin: true})
	if err != nil {
		log.Fatal(err)
	}
	_ = h.SendStdin(ctx, []byte("hello\n"))
	_ = h.CloseStdin(ctx)
	res, _ := h.Wait(ctx)
	fmt.Print(res.Stdout)
}

// Typed errors match sentinels with errors.Is.
func ExampleAPIError() {
	ctx := context.Background()
	client, _ := wrenn.NewClient()
	_, err := client.GetSandbox(ctx, "sb-0000000000000000")
	var apiErr *wrenn.APIError
	if errors.Is(err, wrenn.ErrNotFound) && errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.Message)
	}
}
