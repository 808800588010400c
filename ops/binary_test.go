package ops

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The tests that ask "does the binary accept this?" ask the binary itself:
// built once per test run, with the release's ldflags (.goreleaser.yaml), so
// the version stamping is tested too.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// testVersion is what the test build stamps in as {{ .Version }}.
const testVersion = "9.9.9-ops"

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// binary returns the path of zoho2sheets built from the repository with
// GoReleaser's ldflags.
func binary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		gr, err := loadGoReleaser()
		if err != nil {
			built.err = err
			return
		}
		ldflags, err := gr.ldflags(testVersion)
		if err != nil {
			built.err = err
			return
		}
		if built.dir, built.err = os.MkdirTemp("", "zoho2sheets-ops-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "zoho2sheets")
		if runtime.GOOS == "windows" {
			built.path += ".exe"
		}
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", built.path, ".")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// errFlagUndefined is what flagsAccepted returns for a flag the binary does
// not define.
var errFlagUndefined = errors.New("flag not defined")

// flagsAccepted runs the sync command with args, the --config value replaced
// by a file that does not exist, and no environment. Flags are parsed and
// checked before the mapping is read, so reaching "cannot read the mapping"
// means the binary accepted args; anything else is returned as an error.
func flagsAccepted(t *testing.T, args []string) error {
	t.Helper()
	missing := filepath.Join(t.TempDir(), "no-such-mapping.yaml")
	a := append([]string(nil), args...)
	hasConfig := false
	for i := range a {
		if a[i] == "--config" && i+1 < len(a) {
			a[i+1], hasConfig = missing, true
		} else if strings.HasPrefix(a[i], "--config=") {
			a[i], hasConfig = "--config="+missing, true
		}
	}
	if !hasConfig {
		a = append(a, "--config", missing)
	}
	cmd := exec.Command(binary(t), a...)
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 2 && strings.Contains(stderr.String(), "cannot read the mapping"):
		return nil
	case strings.Contains(stderr.String(), "flag provided but not defined"):
		return fmt.Errorf("%w: zoho2sheets %s: %s", errFlagUndefined, strings.Join(args, " "), lastLine(stderr.String()))
	}
	return fmt.Errorf("zoho2sheets %s: %v: %s", strings.Join(args, " "), err, lastLine(stderr.String()))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// The probe must tell accepted flags from refused ones, or every test built
// on it proves nothing.
func TestFlagsAcceptedProbe(t *testing.T) {
	for _, args := range [][]string{
		{"--once"},
		{"--once", "--config", "mapping.yaml", "--full", "--module", "Leads", "--log-format", "json", "--log-level", "debug"},
		{"--once", "--since", "2026-01-31", "--dry-run"},
	} {
		if err := flagsAccepted(t, args); err != nil {
			t.Errorf("refused good flags: %v", err)
		}
	}
	for _, args := range [][]string{
		{"--once", "--no-such-flag"},
		{"--once", "--full", "true"},            // a bool flag takes no separate value
		{"--once", "--full", "--since", "2026"}, // refused combination
		{"--once", "--metrics-addr", ":9090"},   // daemon only
	} {
		if err := flagsAccepted(t, args); err == nil {
			t.Errorf("zoho2sheets %s: accepted, want refused", strings.Join(args, " "))
		}
	}
	if err := flagsAccepted(t, []string{"--once", "--no-such-flag"}); !errors.Is(err, errFlagUndefined) {
		t.Errorf("an undefined flag: %v, want errFlagUndefined", err)
	}
}

// `zoho2sheets version` prints the version the release stamps in.
func TestVersionStamped(t *testing.T) {
	out, err := exec.Command(binary(t), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(out)), "zoho2sheets "+testVersion; got != want {
		t.Errorf("zoho2sheets version = %q, want %q (.goreleaser.yaml's ldflags must set main.version)", got, want)
	}
}
