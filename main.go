// Command zoho2sheets keeps a Google Sheet in step with Zoho CRM.
//
// Usage:
//
//	zoho2sheets [flags]              run on the mapping's schedule (daemon)
//	zoho2sheets --once [flags]       run once and exit (cron, GitHub Actions, backfills)
//	zoho2sheets demo                 run the real job against built-in emulators
//	zoho2sheets auth|token|fields|init|check   set-up helpers (see --help)
//
// main only wires: configuration and flags here, the job in package sync,
// the Zoho and Google adapters in packages zoho and sheets.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes.
const (
	exitOK     = 0 // the run succeeded
	exitFailed = 1 // the run failed (one or more modules)
	exitUsage  = 2 // bad flags, configuration or environment
	// exitLeaseBusy (EX_TEMPFAIL): another run holds the spreadsheet's run
	// lease; nothing was done, try again later.
	exitLeaseBusy = 75
)

// env is everything the commands take from the outside world, so tests can
// run them in-process with their own environment, output and clock.
type env struct {
	getenv     func(string) string
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	httpClient *http.Client // nil: the default transport
	now        func() time.Time
	// signals delivers SIGINT/SIGTERM (nil in tests that do not need them).
	signals <-chan os.Signal
	// requestTimeout bounds each request to Zoho or Google (0: the
	// clients' defaults); set from --request-timeout.
	requestTimeout time.Duration
	// userCacheDir is os.UserCacheDir (nil in tests: only
	// ZOHO2SHEETS_CACHE_DIR then gives a token cache).
	userCacheDir func() (string, error)
	// leasePoll is how often a run waiting for the lease looks again
	// (0: zsync.DefaultLeasePoll).
	leasePoll time.Duration
	// environ lists the environment (os.Environ; nil in tests that do not
	// need it): a variable "not set" is looked for under a misspelt name.
	environ func() []string
	// zohoOptions are added to the Zoho client's (tests: a Bulk Read
	// threshold scaled down with the emulator's, a sleep that does not wait).
	zohoOptions []zoho.Option
	// listen opens the auth command's redirect listener (nil: net.Listen);
	// a test hands over one it holds, so that no other process can take
	// the port between its choice and the command's listen.
	listen func(network, address string) (net.Listener, error)
}

func main() {
	tuneGC(os.Getenv)
	os.Exit(Main(context.Background(), os.Args[1:], osEnv()))
}

// Main runs the command line args and returns the process exit code.
func Main(ctx context.Context, args []string, e env) int {
	if e.now == nil {
		e.now = time.Now
	}
	if e.getenv == nil {
		e.getenv = func(string) string { return "" }
	}
	cmd, rest := "", args
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		cmd, rest = "version", args[1:]
	}
	var err error
	if run, ok := subcommands[cmd]; ok {
		err = run(ctx, rest, e)
	} else {
		err = unknownCommand(cmd)
	}
	return exitCode(e.stderr, misspeltVariable(err, e.environ))
}

// subcommands are what Main runs for each first argument ("" is a sync).
var subcommands = map[string]func(context.Context, []string, env) error{
	"":        cmdSync,
	"demo":    cmdDemo,
	"auth":    cmdAuth,
	"token":   cmdToken,
	"fields":  cmdFields,
	"init":    cmdInit,
	"check":   cmdCheck,
	"emulate": cmdEmulate,
	"version": func(_ context.Context, _ []string, e env) error {
		fmt.Fprintln(e.stdout, "zoho2sheets", version)
		return nil
	},
	"help": func(_ context.Context, _ []string, e env) error {
		fmt.Fprint(e.stdout, usage)
		return nil
	},
}

// errUsage marks errors in how the program was called.
type errUsage struct{ msg string }

func (e *errUsage) Error() string { return e.msg }

func usageErr(format string, a ...any) error { return &errUsage{fmt.Sprintf(format, a...)} }

// errRunFailed is returned when a sync ran but failed; its details were
// already logged and summarised.
var errRunFailed = errors.New("run failed")

func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ue *errUsage
	var ce *zsync.ConfigError
	var busy *zsync.LeaseBusyError
	switch {
	case errors.Is(err, errRunFailed):
		return exitFailed
	case errors.As(err, &busy):
		fmt.Fprintln(stderr, "Error:", err)
		fmt.Fprintln(stderr, "Try:", busy.Hint())
		return exitLeaseBusy
	case errors.As(err, &ue), errors.As(err, &ce):
		fmt.Fprintln(stderr, "Error:", err)
		return exitUsage
	}
	h := zsync.Hint(err)
	fmt.Fprintln(stderr, "Error:", errorText(err, h))
	if h != "" {
		fmt.Fprintln(stderr, "Try:", h)
	}
	return exitFailed
}

const usage = `zoho2sheets keeps a Google Sheet in step with Zoho CRM.

Usage:
  zoho2sheets [flags]            run as a daemon on the mapping's schedule
  zoho2sheets --once [flags]     run once and exit
  zoho2sheets demo               run the real job against the built-in emulators (no credentials)
  zoho2sheets auth               get a Zoho refresh token (consent flow or Self Client code)
  zoho2sheets token              print a valid Zoho access token (cached)
  zoho2sheets fields [MODULE]    list the modules, or a module's fields
  zoho2sheets init               write a starter mapping.yaml from field metadata
  zoho2sheets check              check configuration, credentials and access without writing
  zoho2sheets emulate            serve both emulators on loopback ports, for trying things out
  zoho2sheets version            print the version (also --version)

Sync flags:
  --config PATH       mapping file (default mapping.yaml)
  --once              run once, then exit (exit 0 ok, 1 run failed, 2 usage/config error,
                      75 another run holds the spreadsheet's lease)
  --full              ignore the cursors: re-read everything and reconcile deletions
  --since DATE        backfill records modified since DATE (2006-01-02 or RFC 3339)
  --module NAME       limit the run to a module's tabs (repeatable)
  --dry-run           read and plan, print what would change, write nothing
  --dry-run-limit N   dry run: show up to N changed cells per tab (default 20)
  --wait DURATION     wait up to DURATION (e.g. 15m) for another run's lease; default 0
                      with --once, until shortly before the next scheduled run for the daemon;
                      a dry run takes no lease and ignores it
  --log-format F      json (default when not a terminal), console, auto
  --log-level L       debug, info (default), warn, error
  --metrics-addr A    daemon: serve /metrics and /healthz on A (e.g. :9090)
  --request-timeout D bound each request to Zoho or Google (default 2m Zoho, 4m Google)
  --run-timeout D     stop a run that takes longer and alert; waiting for the lease does not
                      count (daemon default: the schedule's interval, at least 1h, at most 12h;
                      --once: none)

Environment: ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN, ZOHO_DC,
GOOGLE_CREDENTIALS_JSON or GOOGLE_APPLICATION_CREDENTIALS, and whatever ${VAR}s
mapping.yaml uses (SPREADSHEET_ID in the example); optional ZOHO2SHEETS_WEBHOOK,
ZOHO2SHEETS_CACHE_DIR and others in README.md's table ("Environment variables").
`
