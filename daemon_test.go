package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/alert"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// daemon is an in-process daemon under test.
type daemon struct {
	logs    *syncBuffer
	signals chan os.Signal
	done    chan int
	gate    *runGate
	config  string // the mapping file it runs
}

func startDaemon(t *testing.T, em *emulators, mapping string, extra map[string]string, args ...string) *daemon {
	t.Helper()
	return launchDaemon(t, em, mapping, extra, false, args...)
}

// startPausedDaemon is startDaemon with the gate shut from the start: its
// first run is held once it ends (see waitPaused).
func startPausedDaemon(t *testing.T, em *emulators, mapping string, extra map[string]string, args ...string) *daemon {
	t.Helper()
	return launchDaemon(t, em, mapping, extra, true, args...)
}

func launchDaemon(t *testing.T, em *emulators, mapping string, extra map[string]string, paused bool, args ...string) *daemon {
	t.Helper()
	return launchDaemonEnv(t, em, mapping, extra, paused, nil, args...)
}

// launchDaemonEnv is launchDaemon with tweak applied to the daemon's env
// first (nil: none), e.g. to give it a clock of the test's.
func launchDaemonEnv(t *testing.T, em *emulators, mapping string, extra map[string]string, paused bool, tweak func(*env), args ...string) *daemon {
	t.Helper()
	vars := map[string]string{}
	for k, v := range em.env {
		vars[k] = v
	}
	for k, v := range extra {
		vars[k] = v
	}
	d := &daemon{logs: &syncBuffer{}, signals: make(chan os.Signal, 2), done: make(chan int, 1), gate: &runGate{}}
	if paused {
		d.gate.pause()
	}
	stderr := writerFunc(func(p []byte) (int, error) {
		n, err := d.logs.Write(p)
		d.gate.at(p)
		return n, err
	})
	e := env{getenv: func(k string) string { return vars[k] }, stdout: io.Discard, stderr: stderr, signals: d.signals}
	if tweak != nil {
		tweak(&e)
	}
	cfg := writeMapping(t, mapping)
	d.config = cfg
	go func() {
		d.done <- Main(context.Background(), append([]string{"--config", cfg, "--log-format", "json"}, args...), e)
	}()
	t.Cleanup(func() {
		d.gate.resume() // a held run must end for the daemon to stop
		select {
		case d.signals <- os.Interrupt:
		default:
		}
		select {
		case <-d.done:
		case <-time.After(30 * time.Second):
			t.Error("daemon did not stop")
		}
	})
	return d
}

// events returns the "message" of every JSON log line.
func (d *daemon) events() []string {
	var out []string
	for _, line := range strings.Split(d.logs.String(), "\n") {
		var m struct{ Message string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Message != "" {
			out = append(out, m.Message)
		}
	}
	return out
}

func (d *daemon) count(msg string) int {
	n := 0
	for _, e := range d.events() {
		if e == msg {
			n++
		}
	}
	return n
}

// metricsAddr is where a daemon started with --metrics-addr 127.0.0.1:0
// serves, as it logs: the port is the daemon's from the start, never one
// closed by the test and possibly taken by another process meanwhile.
func (d *daemon) metricsAddr(t *testing.T) string {
	t.Helper()
	const serving = "serving /metrics and /healthz"
	waitFor(t, "the metrics listener", func() bool { return d.count(serving) > 0 })
	for _, line := range strings.Split(d.logs.String(), "\n") {
		var m struct{ Message, Addr string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Message == serving {
			return m.Addr
		}
	}
	t.Fatal("no address in the metrics line")
	return ""
}

// runEnded is the line a daemon logs once a run is over (its lease
// released, its status written), before it lets the next one start.
const runEnded = "waiting for the next run"

// runGate holds a daemon between runs, so that a test can look at or
// change what the last run left without another starting meanwhile. While
// the gate is shut, the next run to end blocks in its runEnded log line:
// the daemon stays in that run, and the cron ticks meanwhile are skipped as
// overlapping.
type runGate struct {
	mu   sync.Mutex
	shut bool
	held chan struct{} // closed once a run is held at the gate
	open chan struct{} // closed to let the held run go on
}

// pause lets a held run go on and shuts the gate: the next run to end is
// held. Both at once: no run can end unseen in between.
func (g *runGate) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open != nil {
		close(g.open)
	}
	g.shut, g.held, g.open = true, make(chan struct{}), make(chan struct{})
}

// resume opens the gate: a held run goes on, and none is held any more.
func (g *runGate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.shut = false
	if g.open != nil {
		close(g.open)
		g.open = nil
	}
}

// at sees every log line; it blocks the one ending a run while shut.
func (g *runGate) at(p []byte) {
	if !bytes.Contains(p, []byte(`"message":"`+runEnded+`"`)) {
		return
	}
	g.mu.Lock()
	if !g.shut {
		g.mu.Unlock()
		return
	}
	g.shut = false
	held, open := g.held, g.open
	g.mu.Unlock()
	close(held)
	<-open
}

// waitPaused waits until a run has ended at the shut gate (see pause).
func (d *daemon) waitPaused(t *testing.T) {
	t.Helper()
	d.gate.mu.Lock()
	held := d.gate.held
	d.gate.mu.Unlock()
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatalf("no run ended\n%s", d.logs.String())
	}
}

// nextRun lets the held run go on, then waits until the next has ended
// and is held in turn.
func (d *daemon) nextRun(t *testing.T) {
	t.Helper()
	d.gate.pause()
	d.waitPaused(t)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

var dbg string

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what+dbg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func scheduled(mapping, spec string) string {
	return strings.Replace(mapping, "timezone:", "schedule: \""+spec+"\"\ntimezone:", 1)
}

func TestDaemonNeverOverlapsAndStopsCleanly(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 20, "Deals": 5})
	// Every Sheets request takes 300 ms: a run outlasts the 1 s schedule.
	em.sheets.InjectFault(sheetstestLatency(300 * time.Millisecond))
	d := startDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil)
	waitFor(t, "two finished runs", func() bool { return d.count("run finished") >= 2 })

	// Runs strictly alternate: never a start while one is running.
	running := false
	for _, ev := range d.events() {
		switch ev {
		case "run started":
			if running {
				t.Fatal("a run started while another was running")
			}
			running = true
		case "run finished":
			running = false
		}
	}
	// SIGTERM mid-run: the run finishes its write, then the daemon exits 0.
	waitFor(t, "a run in progress", func() bool { return d.count("run started") > d.count("run finished") })
	d.signals <- os.Interrupt
	select {
	case code := <-d.done:
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, d.logs.String())
		}
		d.done <- code
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not stop")
	}
	if d.count("run started") != d.count("run finished") {
		t.Fatalf("daemon exited in the middle of a run:\n%v", d.events())
	}
	if d.count("stopped") != 1 {
		t.Fatalf("no clean stop logged: %v", d.events())
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDaemonMetricsAndHealthz(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 5})
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "from Deals ", Status: 500, Times: -1})
	// Held after its first run: a second would read Leads' newest record
	// again (Modified_Time >= cursor) and move the totals checked below.
	d := startPausedDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil, "--metrics-addr", "127.0.0.1:0")
	addr := d.metricsAddr(t)
	// The first run fails only after Deals' retries (seconds of backoff).
	if code, body := get(t, "http://"+addr+"/healthz"); code != 200 {
		t.Fatalf("healthz before the first run = %d %s", code, body)
	}
	d.waitPaused(t)
	if n := d.count("run failed"); n != 1 {
		t.Fatalf("%d failed runs, want the first to fail\n%s", n, d.logs.String())
	}
	code, body := get(t, "http://"+addr+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "Deals") {
		t.Fatalf("healthz after a failed run = %d %q, want 503 naming Deals", code, body)
	}
	_, m := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{`zoho2sheets_last_run_success{module="Deals",sheet="Deals"} 0`, `zoho2sheets_last_run_success{module="Leads",sheet="Leads"} 1`,
		`zoho2sheets_api_calls_total{service="zoho",status="500"}`, `zoho2sheets_records_read_total{module="Leads",sheet="Leads"} 5`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	em.zoho.ClearFaults()
	n := d.count("run finished")
	d.gate.resume()
	waitFor(t, "a successful run", func() bool {
		if d.count("run finished") <= n {
			return false
		}
		c, _ := get(t, "http://"+addr+"/healthz")
		return c == 200
	})
	_, m = get(t, "http://"+addr+"/metrics")
	if !strings.Contains(m, `zoho2sheets_last_run_success{module="Deals",sheet="Deals"} 1`) {
		t.Errorf("Deals not healthy in metrics after a good run:\n%s", m)
	}
}

func TestWebhookAlertForFailingModule(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 3})
	got := make(chan map[string]any, 4)
	hook := newWebhook(t, got)
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "from Deals ", Status: 403, Code: "NO_PERMISSION", Message: "permission denied", Times: -1})
	cfg := writeMapping(t, string(demoMapping))
	code, _, errs := inProcess(t, em, map[string]string{"ZOHO2SHEETS_WEBHOOK": hook}, "--once", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	select {
	case msg := <-got:
		if msg["module"] != "Deals" || msg["error"] == "" {
			t.Fatalf("alert = %v, want one naming Deals and its error", msg)
		}
		b, _ := json.Marshal(msg)
		if strings.Contains(string(b), em.env["ZOHO_CLIENT_SECRET"]) || strings.Contains(string(b), em.env["ZOHO_REFRESH_TOKEN"]) {
			t.Fatal("the alert carries a secret")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no alert received")
	}
}

// newWebhook serves a JSON webhook on loopback that hands every posted body
// to got.
func newWebhook(t *testing.T, got chan<- map[string]any) string {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case got <- m:
		default:
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/hook"
}

// sheetstestLatency slows every Sheets API request by d, for good.
func sheetstestLatency(d time.Duration) sheetstest.Fault {
	return sheetstest.Fault{Path: "/v4/", Latency: d, Times: 1 << 30}
}

func TestWebhookAlertWhenTheSheetIsUnreachable(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	got := make(chan map[string]any, 4)
	hook := newWebhook(t, got)
	other := em.sheets.CreateSpreadsheet("not shared", "UTC")
	cfg := writeMapping(t, string(demoMapping))
	code, _, errs := inProcess(t, em, map[string]string{"ZOHO2SHEETS_WEBHOOK": hook, "SPREADSHEET_ID": other}, "--once", "--config", cfg)
	if code != 1 || !strings.Contains(errs, "share the spreadsheet with "+demoServiceAccount) {
		t.Fatalf("exit %d, want 1 with the sharing hint:\n%s", code, errs)
	}
	select {
	case msg := <-got:
		if msg["module"] != "(all)" || !strings.Contains(fmt.Sprint(msg["hint"]), demoServiceAccount) {
			t.Fatalf("alert = %v, want one for the whole run with the sharing hint", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no alert received")
	}
}

func TestDailyDigestPostedOnceADay(t *testing.T) {
	got := make(chan map[string]any, 4)
	n, err := alert.New(newWebhook(t, got))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
	r := &runner{notifier: n, e: env{now: func() time.Time { return now }}, digest: &alert.Digest{Since: now}}
	r.moduleDone(zsync.ModuleSummary{Module: "Leads", Read: 10, Result: zsync.UpsertResult{Added: 3}})
	r.postDigest(context.Background(), true)
	select {
	case m := <-got:
		t.Fatalf("digest posted before a day passed: %v", m)
	default:
	}
	now = now.Add(24 * time.Hour)
	r.moduleDone(zsync.ModuleSummary{Module: "Leads", Read: 5, Result: zsync.UpsertResult{Updated: 2}})
	r.postDigest(context.Background(), true)
	select {
	case m := <-got:
		if m["event"] != alert.EventDigest || !strings.Contains(fmt.Sprint(m), "Leads") {
			t.Fatalf("digest = %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no digest after a day")
	}
	if !r.digest.Since.Equal(now) || r.digest.Runs != 0 {
		t.Fatalf("digest not restarted: %+v", r.digest)
	}
}

// demoWithDealsView is the demo mapping plus a second tab of Deals (a
// view), so one module feeds two tabs.
var demoWithDealsView = string(demoMapping) + `
  - module: Deals
    sheet: Open deals
    filter: Stage is not null
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name }
`

// Two tabs of one module, one failing: each tab has its own series, and
// /healthz and the alert say which tab failed.
func TestDaemonMetricsAndAlertsPerTab(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 4})
	got := make(chan map[string]any, 8)
	hook := newWebhook(t, got)
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "Stage is not null", Status: 403,
		Code: "NO_PERMISSION", Message: "permission denied", Times: -1})
	// Held after its first run: a second would read Deals' newest record
	// again and move records_read_total.
	d := startPausedDaemon(t, em, scheduled(demoWithDealsView, "@every 1s"), map[string]string{"ZOHO2SHEETS_WEBHOOK": hook},
		"--metrics-addr", "127.0.0.1:0")
	addr := d.metricsAddr(t)
	d.waitPaused(t)
	if n := d.count("run failed"); n != 1 {
		t.Fatalf("%d failed runs, want the first to fail\n%s", n, d.logs.String())
	}

	code, body := get(t, "http://"+addr+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "module Deals (tab Open deals): ") {
		t.Fatalf("healthz = %d %q, want 503 naming Deals' Open deals tab", code, body)
	}
	if strings.Count(body, "module ") != 1 {
		t.Errorf("healthz names more than the failed tab: %q", body)
	}
	_, m := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{
		`zoho2sheets_last_run_success{module="Deals",sheet="Deals"} 1`,
		`zoho2sheets_last_run_success{module="Deals",sheet="Open deals"} 0`,
		`zoho2sheets_last_success_timestamp_seconds{module="Deals",sheet="Open deals"} 0`,
		`zoho2sheets_records_read_total{module="Deals",sheet="Deals"} 4`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	select {
	case msg := <-got:
		if msg["module"] != "Deals" || msg["sheet"] != "Open deals" ||
			!strings.Contains(fmt.Sprint(msg["summary"]), "sync of Deals (tab Open deals) failed") {
			t.Fatalf("alert = %v, want one naming Deals' Open deals tab", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no alert received")
	}
}

// A daemon run that finds another run holding the lease is counted as
// skipped, not failed, and neither alerts nor turns /healthz red.
func TestDaemonLeaseBusyRunIsNotAFailure(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 2, "Deals": 1})
	l := holdLease(t, em)
	defer l.Release(context.Background())
	got := make(chan map[string]any, 8)
	hook := newWebhook(t, got)
	d := startDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), map[string]string{"ZOHO2SHEETS_WEBHOOK": hook},
		"--metrics-addr", "127.0.0.1:0", "--wait", "0s")
	addr := d.metricsAddr(t)
	waitFor(t, "two skipped runs", func() bool { return d.count("another run holds the lease: nothing done") >= 2 })

	_, m := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{`zoho2sheets_runs_total{result="failed"} 0`, `zoho2sheets_runs_total{result="skipped_lease_busy"} `} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, `zoho2sheets_runs_total{result="skipped_lease_busy"} 0`) {
		t.Error("skipped runs not counted")
	}
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz after skipped runs = %d %q, want 200", code, body)
	}
	select {
	case msg := <-got:
		t.Fatalf("a skipped run alerted: %v", msg)
	default:
	}
}

// A cron tick that finds the daemon's own previous run still going starts
// nothing and is counted as runs_total{result="skipped_overlap"}, not as a
// failure.
func TestDaemonOverlapSkipIsCounted(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 2, "Deals": 1})
	// Every Sheets request takes 300 ms: a run makes several, so it
	// outlasts the 1 s schedule and the next tick finds it going.
	em.sheets.InjectFault(sheetstestLatency(300 * time.Millisecond))
	d := startDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil, "--metrics-addr", "127.0.0.1:0")
	addr := d.metricsAddr(t)
	waitFor(t, "a skipped tick", func() bool { return d.count("previous run still going: skipping this one") >= 1 })

	_, m := get(t, "http://"+addr+"/metrics")
	if !strings.Contains(m, `zoho2sheets_runs_total{result="failed"} 0`) ||
		!strings.Contains(m, `zoho2sheets_runs_total{result="skipped_overlap"} `) {
		t.Fatalf("metrics lack runs_total failed 0 or skipped_overlap:\n%s", m)
	}
	if strings.Contains(m, `zoho2sheets_runs_total{result="skipped_overlap"} 0`) {
		t.Error("the skipped tick is not counted")
	}
}
