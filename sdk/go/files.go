package wrenn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Files reads and writes files in a sandbox. Relative paths are in the user's home directory
// (/home/user by default). Uploads and downloads stream: nothing is held in memory whole except
// by Write, Read and ReadString, which take or return a []byte or string.
type Files struct {
	sb *Sandbox
}

// FileOption adjusts one file call.
type FileOption func(*fileOptions)

type fileOptions struct {
	user  string
	depth int
}

// AsUser makes a file call act as this Unix user in the sandbox (default "user"): writes are owned
// by them and relative paths are in their home.
func AsUser(user string) FileOption { return func(o *fileOptions) { o.user = user } }

// WithDepth makes List descend this many levels (1–64; default 1, the directory's own entries).
func WithDepth(depth int) FileOption { return func(o *fileOptions) { o.depth = depth } }

func fileQuery(p string, opts []FileOption) (url.Values, *fileOptions) {
	o := &fileOptions{}
	for _, opt := range opts {
		opt(o)
	}
	q := url.Values{}
	if p != "" {
		q.Set("path", p)
	}
	if o.user != "" {
		q.Set("user", o.user)
	}
	return q, o
}

// FileType is the kind of a directory entry.
type FileType string

// Entry kinds.
const (
	// FileTypeFile is a regular file.
	FileTypeFile FileType = "file"
	// FileTypeDir is a directory.
	FileTypeDir FileType = "dir"
	// FileTypeSymlink is a symbolic link (SymlinkTarget says where it points).
	FileTypeSymlink FileType = "symlink"
)

// EntryInfo describes a file, directory or symlink in a sandbox.
type EntryInfo struct {
	// Name is the last element of Path.
	Name string `json:"name"`
	// Path is absolute.
	Path string `json:"path"`
	// Type is file, dir or symlink.
	Type FileType `json:"type"`
	// Size is in bytes.
	Size int64 `json:"size"`
	// Mode holds the permission bits (0o644 and the like).
	Mode fs.FileMode `json:"mode"`
	// Owner is the owning user's name.
	Owner string `json:"owner"`
	// ModifiedAt is the last modification time (zero when unknown).
	ModifiedAt time.Time `json:"modified_at"`
	// SymlinkTarget is where a symlink points; empty for other entries.
	SymlinkTarget string `json:"symlink_target"`
}

// IsDir reports whether the entry is a directory.
func (e EntryInfo) IsDir() bool { return e.Type == FileTypeDir }

// WriteInfo is a written file: its absolute path and size.
type WriteInfo struct {
	// Path is the file's absolute path.
	Path string `json:"path"`
	// Size is the number of bytes written.
	Size int64 `json:"size"`
}

// WriteEntry is one file for WriteFiles: Data, or Reader when Data is nil.
type WriteEntry struct {
	// Path is where the file goes: absolute, or relative to the user's home.
	Path string
	// Data is the file's content.
	Data []byte
	// Reader streams the content instead, when Data is nil.
	Reader io.Reader
}

// Write writes data to the file at path, creating parent directories and replacing what was there.
func (f *Files) Write(ctx context.Context, path string, data []byte, opts ...FileOption) (*WriteInfo, error) {
	return f.WriteStream(ctx, path, bytes.NewReader(data), opts...)
}

// WriteString writes text to the file at path; see Write.
func (f *Files) WriteString(ctx context.Context, path, text string, opts ...FileOption) (*WriteInfo, error) {
	return f.WriteStream(ctx, path, strings.NewReader(text), opts...)
}

// WriteStream writes everything r yields to the file at path, streaming it: a file of any size
// goes through a small buffer. It is never retried, since r cannot be read twice.
func (f *Files) WriteStream(ctx context.Context, path string, r io.Reader, opts ...FileOption) (*WriteInfo, error) {
	if path == "" {
		return nil, fmt.Errorf("wrenn: Files.Write: empty path")
	}
	q, _ := fileQuery(path, opts)
	var body struct {
		Files []WriteInfo `json:"files"`
	}
	// A reader the transport can size (bytes.Reader, strings.Reader) is sent with a Content-Length;
	// anything else goes chunked.
	err := f.sb.client.doJSON(ctx, request{
		method: http.MethodPost, path: f.sb.path("/files"), query: q,
		body: r, contentType: "application/octet-stream",
	}, &body)
	if err != nil {
		return nil, err
	}
	if len(body.Files) != 1 {
		return nil, fmt.Errorf("wrenn: POST %s: expected one written file, the server listed %d", f.sb.path("/files"), len(body.Files))
	}
	return &body.Files[0], nil
}

// WriteFiles writes several files in one multipart request, streamed part by part. Each entry's
// Path may be relative (to the user's home) or absolute; parent directories are created.
func (f *Files) WriteFiles(ctx context.Context, files []WriteEntry, opts ...FileOption) ([]WriteInfo, error) {
	if len(files) == 0 {
		return []WriteInfo{}, nil
	}
	for _, e := range files {
		if e.Path == "" {
			return nil, fmt.Errorf("wrenn: Files.WriteFiles: an entry has an empty path")
		}
	}
	q, _ := fileQuery("", opts)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			for _, e := range files {
				h := textproto.MIMEHeader{}
				h.Set("Content-Disposition", contentDisposition(e.Path))
				h.Set("Content-Type", "application/octet-stream")
				part, err := mw.CreatePart(h)
				if err != nil {
					return err
				}
				src := e.Reader
				if e.Data != nil || src == nil {
					src = bytes.NewReader(e.Data)
				}
				if _, err := io.Copy(part, src); err != nil {
					return err
				}
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	var body struct {
		Files []WriteInfo `json:"files"`
	}
	err := f.sb.client.doJSON(ctx, request{
		method: http.MethodPost, path: f.sb.path("/files"), query: q,
		body: pr, contentType: mw.FormDataContentType(),
	}, &body)
	pr.CloseWithError(io.ErrClosedPipe) // unblocks the writer if the request ended early
	if err != nil {
		return nil, err
	}
	if body.Files == nil {
		body.Files = []WriteInfo{}
	}
	return body.Files, nil
}

// contentDisposition names a multipart file part. Paths that are not plain ASCII also go in
// filename* (RFC 5987), which the server prefers.
func contentDisposition(p string) string {
	quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(p)
	cd := `form-data; name="file"; filename="` + quoted + `"`
	ascii := true
	for i := 0; i < len(p); i++ {
		if p[i] >= utf8.RuneSelf || p[i] < 0x20 {
			ascii = false
			break
		}
	}
	if !ascii {
		cd += "; filename*=UTF-8''" + url.PathEscape(p)
	}
	return cd
}

// ReadStream opens the file at path for reading as it downloads. Close the reader when done;
// cancelling ctx aborts the download. A missing file is ErrNotFound, a directory ErrBadRequest.
func (f *Files) ReadStream(ctx context.Context, path string, opts ...FileOption) (io.ReadCloser, error) {
	if path == "" {
		return nil, fmt.Errorf("wrenn: Files.Read: empty path")
	}
	q, _ := fileQuery(path, opts)
	resp, err := f.sb.client.do(ctx, request{
		method: http.MethodGet, path: f.sb.path("/files"), query: q,
		accept: "application/octet-stream", idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Read returns the whole file at path as bytes. Use ReadStream for large files.
func (f *Files) Read(ctx context.Context, path string, opts ...FileOption) ([]byte, error) {
	rc, err := f.ReadStream(ctx, path, opts...)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("wrenn: reading %s: %w", path, err)
	}
	return data, nil
}

// ReadString returns the whole file at path as a string.
func (f *Files) ReadString(ctx context.Context, path string, opts ...FileOption) (string, error) {
	data, err := f.Read(ctx, path, opts...)
	return string(data), err
}

// List returns the entries of the directory at path (with WithDepth, those below it too).
// A missing directory is ErrNotFound; a path that is not a directory is ErrBadRequest.
func (f *Files) List(ctx context.Context, path string, opts ...FileOption) ([]EntryInfo, error) {
	if path == "" {
		return nil, fmt.Errorf("wrenn: Files.List: empty path")
	}
	q, o := fileQuery(path, opts)
	if o.depth > 0 {
		q.Set("depth", strconv.Itoa(o.depth))
	}
	var body struct {
		Entries []EntryInfo `json:"entries"`
	}
	if err := f.sb.client.doJSON(ctx, request{method: http.MethodGet, path: f.sb.path("/files/list"), query: q, idempotent: true}, &body); err != nil {
		return nil, err
	}
	if body.Entries == nil {
		body.Entries = []EntryInfo{}
	}
	return body.Entries, nil
}

// MakeDir creates the directory at path and its parents. It reports whether it created it (false:
// it was already there).
func (f *Files) MakeDir(ctx context.Context, path string, opts ...FileOption) (bool, error) {
	if path == "" {
		return false, fmt.Errorf("wrenn: Files.MakeDir: empty path")
	}
	_, o := fileQuery("", opts)
	body := map[string]string{"path": path}
	if o.user != "" {
		body["user"] = o.user
	}
	var answer struct {
		Created bool `json:"created"`
	}
	// Making a directory twice is harmless, so the call is retried like a GET.
	if err := f.sb.client.doJSON(ctx, request{method: http.MethodPost, path: f.sb.path("/files/mkdir"), jsonBody: body, idempotent: true}, &answer); err != nil {
		return false, err
	}
	return answer.Created, nil
}

// Remove deletes the file or the whole directory at path. Removing a path that does not exist
// succeeds.
func (f *Files) Remove(ctx context.Context, path string, opts ...FileOption) error {
	if path == "" {
		return fmt.Errorf("wrenn: Files.Remove: empty path")
	}
	q, _ := fileQuery(path, opts)
	return f.sb.client.doJSON(ctx, request{method: http.MethodDelete, path: f.sb.path("/files"), query: q, idempotent: true}, nil)
}

// Exists reports whether something (file, directory or symlink) is at path. The API has no stat
// call, so this lists the parent directory and looks for the name.
func (f *Files) Exists(ctx context.Context, p string, opts ...FileOption) (bool, error) {
	clean := path.Clean(p)
	if p == "" {
		return false, fmt.Errorf("wrenn: Files.Exists: empty path")
	}
	if clean == "/" || clean == "." {
		return true, nil
	}
	dir, name := path.Split(clean)
	if dir == "" {
		dir = "."
	}
	entries, err := f.List(ctx, dir, append(append([]FileOption(nil), opts...), WithDepth(1))...)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && (apiErr.Is(ErrNotFound) ||
			(apiErr.Is(ErrBadRequest) && strings.Contains(apiErr.Message, "not a directory"))) {
			// No parent directory, or the parent is a file: nothing can be at p.
			return false, nil
		}
		return false, err
	}
	for _, e := range entries {
		if e.Name == name {
			return true, nil
		}
	}
	return false, nil
}
