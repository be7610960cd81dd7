// Package wrenn is the Go client for Wrenn, a self-hostable sandbox platform: it creates isolated
// sandboxes, runs commands in them and reads and writes their files, over the control plane's
// HTTP API.
//
//	client, err := wrenn.NewClient() // WRENN_API_URL / WRENN_API_KEY or ~/.config/wrenn/config.json
//	sb, err := client.CreateSandbox(ctx, wrenn.CreateOptions{})
//	defer sb.Close()
//	res, err := sb.Commands.Run(ctx, "echo hello", wrenn.RunOptions{})
//	fmt.Print(res.Stdout)
//
// Every call that does I/O takes a context.Context first. Errors from the server are *APIError
// values that match sentinels with errors.Is (ErrNotFound, ErrConflict, ErrUnauthorized, …).
// Idempotent calls (GET, DELETE, ping, set-timeout, make-dir) are retried with exponential
// backoff after connection errors and 502/503/504 answers; creating sandboxes or templates,
// running commands and uploads never are.
//
// Commands stream from exec/stream: as NDJSON by default, or over a WebSocket (a small built-in
// RFC 6455 client) when RunOptions.Stdin or Input asks for standard input.
package wrenn
