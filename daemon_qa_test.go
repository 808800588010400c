package main

import (
	"context"
	"fmt"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The spreadsheet is unshared while the daemon runs, then shared again:
// /healthz says why the run failed (it failed before any tab, taking the
// lease) and turns healthy once a run succeeds again, with no lease left.
func TestDaemonHealthzNamesWhyARunFailedBeforeAnyTab(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	d := startPausedDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil, "--metrics-addr", "127.0.0.1:0")
	addr := d.metricsAddr(t)
	d.waitPaused(t)
	em.sheets.Unshare(em.spreadsheetID, demoServiceAccount)
	d.nextRun(t)
	code, body := get(t, "http://"+addr+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "share the spreadsheet with "+demoServiceAccount) {
		t.Fatalf("healthz with the spreadsheet unshared = %d %q, want 503 saying to share it", code, body)
	}
	em.sheets.Share(em.spreadsheetID, demoServiceAccount)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[0], map[string]any{"Lead_Status": "Contacted"})
	d.nextRun(t)
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz once shared again = %d %q, want 200", code, body)
	}
	assertLeadsMatchCRM(t, em)
	if n := leaseEntries(em); n != 0 {
		t.Errorf("%d lease entries left between runs", n)
	}
}

// settableClock is a clock a test moves by hand.
type settableClock struct{ t atomic.Pointer[time.Time] }

func (c *settableClock) Set(t time.Time) { c.t.Store(&t) }
func (c *settableClock) Now() time.Time  { return *c.t.Load() }

// A daily daemon started a minute before its run is not stale half an
// hour later (the time to its first run is not the schedule's interval),
// and turns stale once two scheduled runs passed without a success.
func TestDaemonHealthzStalenessFollowsTheSchedule(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	clk := &settableClock{}
	start := time.Date(2026, 1, 5, 5, 59, 0, 0, time.UTC)
	clk.Set(start)
	// The cron ticks follow the wall clock, so no run happens here: the
	// test clock alone says how much time passed.
	d := launchDaemonEnv(t, em, scheduled(string(demoMapping), "CRON_TZ=UTC 0 6 * * *"), nil, false,
		func(e *env) { e.now = clk.Now }, "--metrics-addr", "127.0.0.1:0")
	addr := d.metricsAddr(t)
	clk.Set(start.Add(31 * time.Minute))
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz 31 minutes after the start of a daily daemon = %d %q, want 200", code, body)
	}
	clk.Set(time.Date(2026, 1, 6, 6, 20, 0, 0, time.UTC)) // the 5th's and the 6th's runs missed
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusServiceUnavailable {
		t.Fatalf("healthz after two missed daily runs = %d %q, want 503", code, body)
	}
}

// alertsNow drains the alerts posted so far.
func alertsNow(got chan map[string]any) []map[string]any {
	var out []map[string]any
	for {
		select {
		case m := <-got:
			out = append(out, m)
		default:
			return out
		}
	}
}

// A tab failing the same way run after run is alerted once, not every
// run; once it has succeeded again, its next failure is alerted anew.
func TestDaemonAlertsARepeatedFailureOnce(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 2, "Deals": 2})
	got := make(chan map[string]any, 16)
	hook := newWebhook(t, got)
	denied := zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "from Deals ", Status: 403, Code: "NO_PERMISSION",
		Message: "permission denied", Times: -1}
	em.zoho.InjectFault(denied)
	d := startPausedDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), map[string]string{"ZOHO2SHEETS_WEBHOOK": hook})
	d.waitPaused(t)
	d.nextRun(t)
	d.nextRun(t)
	if n := d.count("run failed"); n != 3 {
		t.Fatalf("%d failed runs, want 3", n)
	}
	if a := alertsNow(got); len(a) != 1 || a[0]["module"] != "Deals" {
		t.Fatalf("alerts for three runs failing alike: %v, want one for Deals", a)
	}
	em.zoho.ClearFaults()
	d.nextRun(t)
	em.zoho.InjectFault(denied)
	d.nextRun(t)
	if a := alertsNow(got); len(a) != 1 || a[0]["module"] != "Deals" {
		t.Fatalf("alerts after Deals recovered and failed again: %v, want one for Deals", a)
	}
	assertNoSecrets(t, em, d.logs.String())
}

// logLines returns the daemon's JSON log lines whose message is msg.
func (d *daemon) logLines(msg string) []string {
	var out []string
	for _, line := range strings.Split(d.logs.String(), "\n") {
		if strings.Contains(line, `"message":"`+msg+`"`) {
			out = append(out, line)
		}
	}
	return out
}

// mapping.yaml edited while the daemon runs: the daemon keeps running the
// mapping it started with (a restart applies an edit) and says so once per
// edit; a broken edit is reported with its file:line error before a
// restart would fail on it.
func TestDaemonSaysWhenMappingChanged(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 2, "Deals": 1})
	mapping := scheduled(string(demoMapping), "@every 1s")
	d := startPausedDaemon(t, em, mapping, nil)
	d.waitPaused(t)
	broken := strings.Replace(mapping, "    on_delete: remove\n", "    on_delete: remove\n    on_delet: keep\n", 1)
	if err := os.WriteFile(d.config, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	d.nextRun(t)
	d.nextRun(t)
	bad := d.logLines(mappingBrokenMsg)
	if len(bad) != 1 || !strings.Contains(bad[0], "mapping.yaml:") || !strings.Contains(bad[0], "on_delet") {
		t.Fatalf("log lines about the broken edit: %q, want one naming mapping.yaml:LINE and the key", bad)
	}
	if n := d.count("run failed"); n != 0 {
		t.Fatalf("%d runs failed after a broken edit, want the started mapping to go on", n)
	}
	edited := addColumns(mapping, "Email")
	if err := os.WriteFile(d.config, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	d.nextRun(t) // runs are paced under Google's read quota: few runs a test
	if n := len(d.logLines(mappingChangedMsg)); n != 1 {
		t.Fatalf("%d log lines saying the mapping changed, want 1 for one edit\n%s", n, d.logs.String())
	}
	if header, _ := tab(t, em, "Leads", "Zoho ID"); strings.Contains(fmt.Sprint(header), "Email") {
		t.Errorf("the edit was applied without a restart: header %v", header)
	}
}

// SIGTERM to the daemon binary while its first run writes: the write
// finishes, the lease is released, the process exits 0, and the next run
// leaves the tabs exact.
func TestDaemonBinarySIGTERMDuringAWrite(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 8, "Deals": 3})
	cfg := writeMapping(t, scheduled(string(demoMapping), "@every 1s"))
	wrote, code := runBinHitAtFirstWriteCode(t, em, func(p *os.Process) { p.Signal(syscall.SIGTERM) }, "--config", cfg)
	if !wrote {
		t.Fatal("the daemon never wrote")
	}
	if code != 0 {
		t.Fatalf("daemon stopped by SIGTERM exited %d, want 0", code)
	}
	if n := leaseEntries(em); n != 0 {
		t.Fatalf("%d lease entries left after SIGTERM", n)
	}
	if r := runBin(t, em.env, "--once", "--config", cfg); r.code != 0 {
		t.Fatalf("run after SIGTERM: exit %d\n%s", r.code, r.stderr)
	}
	assertLeadsMatchCRM(t, em)
	assertDealsMatchCRM(t, em)
}

// Zoho's access token dies in the middle of a daemon run (after Leads was
// written, before Deals is read) and the refresh token is revoked later:
// the run refreshes once and succeeds; after the revocation the failure
// says to run `zoho2sheets auth` and restart, and is alerted once (every
// tab fails for that one reason).
func TestDaemonZohoTokenDiesMidRunThenRefreshTokenRevoked(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	got := make(chan map[string]any, 16)
	hook := newWebhook(t, got)
	var expired atomic.Bool
	em.sheets.OnRequest(func(r *http.Request) {
		if strings.Contains(r.URL.Path, "values:batchUpdate") && expired.CompareAndSwap(false, true) {
			em.zoho.ExpireAccessTokens()
		}
	})
	d := startPausedDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), map[string]string{"ZOHO2SHEETS_WEBHOOK": hook},
		"--metrics-addr", "127.0.0.1:0")
	addr := d.metricsAddr(t)
	d.waitPaused(t)
	if !expired.Load() || d.count("run failed") != 0 || d.count("module synced") != 2 {
		t.Fatalf("run with the token expired mid-way: expired=%v\n%s", expired.Load(), d.logs.String())
	}
	if n := em.zoho.Stats().TokenGrants["refresh_token"]; n != 2 {
		t.Errorf("%d access tokens minted, want 2 (the first, and one after it died)", n)
	}
	em.zoho.RevokeRefreshToken()
	d.nextRun(t)
	d.nextRun(t)
	code, body := get(t, "http://"+addr+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "invalid_code") {
		t.Errorf("healthz with a revoked refresh token = %d %q, want 503 naming invalid_code", code, body)
	}
	a := alertsNow(got)
	if len(a) != 1 || a[0]["module"] != runEntry {
		t.Fatalf("%d alerts for two runs of two tabs failing on a revoked token: %v, want one for the whole run", len(a), a)
	}
	for _, m := range a {
		if h := fmt.Sprint(m["hint"]); !strings.Contains(h, "zoho2sheets auth") || !strings.Contains(h, "restart the daemon") {
			t.Errorf("alert hint %q does not say how to fix it", h)
		}
	}
	assertNoSecrets(t, em, d.logs.String()+body)
}

// A write that hangs past --run-timeout: the run is stopped and alerted,
// its lease released, and the next tick runs and leaves the tab exact;
// /healthz follows (503 naming the deadline, then 200).
func TestDaemonHungRunStoppedThenNextTickRecovers(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	em.sheets.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Hang: true})
	d := startPausedDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil,
		"--metrics-addr", "127.0.0.1:0", "--run-timeout", "2s", "--request-timeout", "1h")
	addr := d.metricsAddr(t)
	d.waitPaused(t)
	code, body := get(t, "http://"+addr+"/healthz")
	if d.count("run failed") != 1 || code != http.StatusServiceUnavailable || !strings.Contains(body, "run stopped after 2s (its deadline, --run-timeout)") {
		t.Fatalf("after a hung run: healthz %d %q\n%s", code, body, d.logs.String())
	}
	if n := leaseEntries(em); n != 0 {
		t.Fatalf("%d lease entries left by the stopped run", n)
	}
	d.nextRun(t)
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK || d.count("run failed") != 1 {
		t.Fatalf("after the next run: healthz %d %q, %d failed runs", code, body, d.count("run failed"))
	}
	// The stopped run wrote no row: only the next run's 3 count.
	const added = `zoho2sheets_rows_written_total{kind="added",module="Leads",sheet="Leads"} 3` + "\n"
	if _, m := get(t, "http://"+addr+"/metrics"); !strings.Contains(m, added) {
		t.Errorf("metrics lack %q:\n%s", added, m)
	}
	assertLeadsMatchCRM(t, em)
	assertDealsMatchCRM(t, em)
}

// Runs leave nothing running behind them: the daemon's goroutines after
// four runs are those after two (a leak of one a run would show as +2;
// runs are paced under Google's read quota, so a test affords few), and
// its debug log, every API call included, holds no secret.
func TestDaemonRunsLeakNoGoroutinesNorSecrets(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	d := startPausedDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil,
		"--metrics-addr", "127.0.0.1:0", "--log-level", "debug")
	addr := d.metricsAddr(t)
	d.waitPaused(t)
	d.nextRun(t)
	get(t, "http://"+addr+"/metrics")
	before := settledGoroutines()
	for i := range 2 {
		em.zoho.Update("Leads", em.zoho.IDs("Leads")[0], map[string]any{"Lead_Status": fmt.Sprint("status ", i)})
		d.nextRun(t)
		get(t, "http://"+addr+"/metrics")
	}
	if after := settledGoroutines(); after > before+1 {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines grew from %d to %d over 2 runs:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	assertLeadsMatchCRM(t, em)
	assertNoSecrets(t, em, d.logs.String())
}

// settledGoroutines counts goroutines once connections closing in the
// background had a moment to end.
func settledGoroutines() int {
	time.Sleep(200 * time.Millisecond)
	return runtime.NumGoroutine()
}

// SIGINT while a daemon run waits for another run's lease: the daemon
// stops at once (exit 0) without touching the other run's lease, and a
// stop on request is not logged as a failed run.
func TestDaemonStopsWhileWaitingForTheLease(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 2, "Deals": 1})
	l := holdLease(t, em)
	defer l.Release(context.Background())
	d := startDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil, "--wait", "1h")
	waitFor(t, "a run waiting for the lease", func() bool { return d.count("another run holds the lease: waiting for it") >= 1 })
	d.signals <- os.Interrupt
	select {
	case code := <-d.done:
		d.done <- code
		if code != 0 {
			t.Fatalf("exit %d, want 0", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the daemon did not stop while waiting for the lease\n%s", d.logs.String())
	}
	if n := leaseEntries(em); n != 1 {
		t.Errorf("%d lease entries, want the other run's one", n)
	}
	if d.count("run failed") != 0 || d.count(runStoppedMsg) != 1 {
		t.Errorf("a stop on request logged as a failure:\n%s", d.logs.String())
	}
}
