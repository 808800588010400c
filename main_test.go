package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// binPath is the zoho2sheets binary the end-to-end tests run, built once.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zoho2sheets-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "zoho2sheets")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build the binary: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binResult is one run of the binary.
type binResult struct {
	code           int
	stdout, stderr string
}

// runBin runs the built binary with exactly the given environment (plus
// PATH and HOME) and arguments.
func runBin(t *testing.T, vars map[string]string, args ...string) binResult {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	assertLogKeysOnce(t, errb.String())
	return binResult{code, out.String(), errb.String()}
}

// assertLogKeysOnce fails when a JSON log line holds a key twice: log
// pipelines keep one of the two, or refuse the line.
func assertLogKeysOnce(t *testing.T, logs string) {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			continue
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			key, _ := tok.(string)
			if seen[key] {
				t.Errorf("log line has %q twice: %s", key, line)
			}
			seen[key] = true
			var v json.RawMessage
			if dec.Decode(&v) != nil {
				break
			}
		}
	}
}

// runBinHitAtFirstWrite runs the built binary like runBin, with em's
// environment, and calls hit with its process while the run's first values
// write is held at the Sheets emulator; it reports whether a write came.
func runBinHitAtFirstWrite(t *testing.T, em *emulators, hit func(*os.Process), args ...string) bool {
	t.Helper()
	came, _ := runBinHitAtFirstWriteCode(t, em, hit, args...)
	return came
}

// runBinHitAtFirstWriteCode is runBinHitAtFirstWrite that also returns the
// process's exit code (-1 when a signal killed it).
func runBinHitAtFirstWriteCode(t *testing.T, em *emulators, hit func(*os.Process), args ...string) (came bool, code int) {
	t.Helper()
	var wrote atomic.Bool
	var proc atomic.Pointer[os.Process]
	em.sheets.OnRequest(func(r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "values:batchUpdate") && wrote.CompareAndSwap(false, true) {
			for proc.Load() == nil {
				time.Sleep(time.Millisecond)
			}
			hit(proc.Load())
		}
	})
	defer em.sheets.OnRequest(nil)
	cmd := exec.Command(binPath, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range em.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(cmd.Process)
	_ = cmd.Wait()
	return wrote.Load(), cmd.ProcessState.ExitCode()
}

// newEmulators starts both emulators for one test.
func newEmulators(t *testing.T, records map[string]int) *emulators {
	t.Helper()
	em, err := startEmulators(zohotest.Options{Seed: 7, Records: records})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(em.Stop)
	return em
}

// writeMapping writes a mapping file for a test and returns its path.
func writeMapping(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mapping.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// tab returns a tab's rows keyed by the text of the named column, failing
// the test on a duplicate key.
func tab(t *testing.T, em *emulators, sheet, keyHeader string) (header []any, rows map[string][]any) {
	t.Helper()
	vals := em.sheets.Values(em.spreadsheetID, sheet)
	if len(vals) == 0 {
		t.Fatalf("tab %s is empty", sheet)
	}
	header = vals[0]
	k := indexOf(header, keyHeader)
	rows = map[string][]any{}
	for i, r := range vals[1:] {
		if k >= len(r) {
			t.Fatalf("tab %s row %d has no key: %v", sheet, i+2, r)
		}
		key := fmt.Sprint(r[k])
		if _, dup := rows[key]; dup {
			t.Fatalf("tab %s: duplicate row for key %s", sheet, key)
		}
		rows[key] = r
	}
	return header, rows
}

func cell(header, row []any, name string) any {
	i := indexOf(header, name)
	if i >= len(row) || !strings.EqualFold(fmt.Sprint(header[i]), name) {
		return nil
	}
	return row[i]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
