package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"

	"github.com/zoho2sheets/zoho2sheets/metrics"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)} }

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// scrape fetches /metrics and parses the exposition text.
func scrape(t *testing.T, srv *httptest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := get(t, srv, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: HTTP %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// value returns the value of the sample of family name whose labels are
// exactly labels (name=value pairs), and whether it exists.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		for _, l := range m.GetLabel() {
			if want[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func mustValue(t *testing.T, fams map[string]*dto.MetricFamily, want float64, name string, labels ...string) {
	t.Helper()
	got, ok := value(fams, name, labels...)
	if !ok {
		t.Errorf("%s%v: no such sample", name, labels)
		return
	}
	if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

func TestRunsAndHealth(t *testing.T) {
	clk := newClock()
	m := metrics.New(metrics.WithClock(clk.Now), metrics.WithSlack(10*time.Minute))
	m.SetExpectedInterval(time.Hour)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	// Before the first run: healthy, waiting.
	code, body := get(t, srv, "/healthz")
	if code != http.StatusOK || !strings.Contains(body, "waiting for first run") {
		t.Fatalf("before first run: /healthz = %d %q, want 200 waiting for first run", code, body)
	}
	fams := scrape(t, srv)
	if _, ok := value(fams, "zoho2sheets_last_run_success", "module", "Leads", "sheet", "Leads"); ok {
		t.Errorf("last_run_success{Leads} exists before any run")
	}
	mustValue(t, fams, 0, "zoho2sheets_runs_total", "result", "failed")
	mustValue(t, fams, 0, "zoho2sheets_run_duration_seconds")

	// A failed run: Leads ok, Deals failed.
	m.RunStarted()
	fams = scrape(t, srv)
	mustValue(t, fams, 1, "zoho2sheets_run_in_progress")
	m.APICall(metrics.ServiceZoho, "200")
	m.APICall(metrics.ServiceZoho, "200")
	m.APICall(metrics.ServiceZoho, "429")
	m.Retry(metrics.ServiceZoho)
	m.TokenRefresh(metrics.ServiceZoho)
	m.Observer(metrics.ServiceZoho).Credits(3) // a 2,000-record COQL query
	m.Credits(metrics.ServiceZoho, 1)
	obs := m.Observer(metrics.ServiceSheets)
	obs.APICall(200)
	obs.APICall(0)
	obs.Retry()
	obs.TokenRefresh()
	clk.Add(time.Minute)
	m.ModuleDone("Leads", "Leads", true, 120, 100, 15, 3, 2, clk.Now())
	leadsOK := clk.Now()
	m.ModuleDone("Deals", "Deals", false, 10, 0, 0, 0, 0, clk.Now())
	m.ModuleFailed("Deals", "", "read records: zoho: HTTP 401 INVALID_TOKEN refresh_token=1000.abcdef0123456789.abcdef0123456789")
	m.RunDone(false, 90*time.Second, clk.Now())

	code, body = get(t, srv, "/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "Deals") || !strings.Contains(body, "INVALID_TOKEN") {
		t.Errorf("after a failed run: /healthz = %d %q, want 503 naming Deals and its error", code, body)
	}
	if strings.Contains(body, "abcdef0123456789") {
		t.Errorf("/healthz leaks a token: %q", body)
	}
	if strings.Contains(body, "Leads") {
		t.Errorf("/healthz names Leads, which succeeded: %q", body)
	}
	fams = scrape(t, srv)
	mustValue(t, fams, 0, "zoho2sheets_run_in_progress")
	mustValue(t, fams, 1, "zoho2sheets_last_run_success", "module", "Leads", "sheet", "Leads")
	mustValue(t, fams, 0, "zoho2sheets_last_run_success", "module", "Deals", "sheet", "Deals")
	mustValue(t, fams, float64(leadsOK.Unix()), "zoho2sheets_last_success_timestamp_seconds", "module", "Leads", "sheet", "Leads")
	mustValue(t, fams, 0, "zoho2sheets_last_success_timestamp_seconds", "module", "Deals", "sheet", "Deals")
	mustValue(t, fams, 120, "zoho2sheets_records_read_total", "module", "Leads", "sheet", "Leads")
	mustValue(t, fams, 10, "zoho2sheets_records_read_total", "module", "Deals", "sheet", "Deals")
	mustValue(t, fams, 100, "zoho2sheets_rows_written_total", "module", "Leads", "sheet", "Leads", "kind", "added")
	mustValue(t, fams, 15, "zoho2sheets_rows_written_total", "module", "Leads", "sheet", "Leads", "kind", "updated")
	mustValue(t, fams, 3, "zoho2sheets_rows_written_total", "module", "Leads", "sheet", "Leads", "kind", "removed")
	mustValue(t, fams, 2, "zoho2sheets_rows_written_total", "module", "Leads", "sheet", "Leads", "kind", "marked")
	mustValue(t, fams, 2, "zoho2sheets_api_calls_total", "service", "zoho", "status", "200")
	mustValue(t, fams, 1, "zoho2sheets_api_calls_total", "service", "zoho", "status", "429")
	mustValue(t, fams, 1, "zoho2sheets_api_calls_total", "service", "sheets", "status", "200")
	mustValue(t, fams, 1, "zoho2sheets_api_calls_total", "service", "sheets", "status", "error")
	mustValue(t, fams, 1, "zoho2sheets_retries_total", "service", "zoho")
	mustValue(t, fams, 1, "zoho2sheets_retries_total", "service", "sheets")
	mustValue(t, fams, 4, "zoho2sheets_api_credits_total", "service", "zoho")
	mustValue(t, fams, 1, "zoho2sheets_token_refreshes_total", "service", "zoho")
	mustValue(t, fams, 1, "zoho2sheets_token_refreshes_total", "service", "sheets")
	mustValue(t, fams, 1, "zoho2sheets_runs_total", "result", "failed")
	mustValue(t, fams, 0, "zoho2sheets_runs_total", "result", "ok")
	mustValue(t, fams, 1, "zoho2sheets_run_duration_seconds")
	if h := fams["zoho2sheets_run_duration_seconds"].GetMetric()[0].GetHistogram(); h.GetSampleSum() != 90 {
		t.Errorf("run duration sum = %v, want 90", h.GetSampleSum())
	}

	// A successful run heals.
	clk.Add(time.Hour)
	m.RunStarted()
	m.ModuleDone("Leads", "Leads", true, 5, 1, 4, 0, 0, clk.Now())
	m.ModuleDone("Deals", "Deals", true, 7, 7, 0, 0, 0, clk.Now())
	okAt := clk.Now()
	m.RunDone(true, 30*time.Second, okAt)
	code, body = get(t, srv, "/healthz")
	if code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("after a successful run: /healthz = %d %q, want 200 ok", code, body)
	}
	fams = scrape(t, srv)
	mustValue(t, fams, 1, "zoho2sheets_last_run_success", "module", "Deals", "sheet", "Deals")
	mustValue(t, fams, float64(okAt.Unix()), "zoho2sheets_last_success_timestamp_seconds", "module", "Deals", "sheet", "Deals")
	mustValue(t, fams, 125, "zoho2sheets_records_read_total", "module", "Leads", "sheet", "Leads")
	mustValue(t, fams, 1, "zoho2sheets_runs_total", "result", "ok")
	mustValue(t, fams, 2, "zoho2sheets_run_duration_seconds")
	mustValue(t, fams, float64(okAt.Unix()), "zoho2sheets_last_run_timestamp_seconds")

	// Stale: 2×1h + 10m is allowed, a second more is not.
	clk.Add(2*time.Hour + 10*time.Minute)
	if code, body = get(t, srv, "/healthz"); code != http.StatusOK {
		t.Errorf("at exactly the allowed age: /healthz = %d %q, want 200", code, body)
	}
	clk.Add(time.Second)
	code, body = get(t, srv, "/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "last successful run") {
		t.Errorf("past the allowed age: /healthz = %d %q, want 503 about the last successful run", code, body)
	}
}

func TestHealthFailedBeforeAnyModule(t *testing.T) {
	m := metrics.New()
	m.RunStarted()
	m.RunDone(false, time.Second, time.Now())
	ok, reason := m.Health()
	if ok || !strings.Contains(reason, "failed before any module") {
		t.Errorf("Health() = %v %q, want unhealthy: failed before any module", ok, reason)
	}
}

// serve returns new Metrics and a server of its Handler, closed when the
// test ends.
func serve(t *testing.T, opts ...metrics.Option) (*metrics.Metrics, *httptest.Server) {
	t.Helper()
	m := metrics.New(opts...)
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return m, srv
}

// One module feeding two tabs (a mirror and a snapshot history of Deals):
// each tab is its own series, and /healthz says which tab failed.
func TestTwoTabsOfOneModule(t *testing.T) {
	clk := newClock()
	m, srv := serve(t, metrics.WithClock(clk.Now))

	m.RunStarted()
	m.ModuleDone("Deals", "Pipeline", true, 40, 4, 3, 2, 1, clk.Now())
	m.ModuleDone("Deals", "Pipeline history", false, 40, 0, 0, 0, 0, clk.Now())
	m.ModuleFailed("Deals", "Pipeline history", "write tab: HTTP 400 grid limits")
	m.RunDone(false, time.Minute, clk.Now())

	fams := scrape(t, srv)
	mustValue(t, fams, 1, "zoho2sheets_last_run_success", "module", "Deals", "sheet", "Pipeline")
	mustValue(t, fams, 0, "zoho2sheets_last_run_success", "module", "Deals", "sheet", "Pipeline history")
	mustValue(t, fams, float64(clk.Now().Unix()), "zoho2sheets_last_success_timestamp_seconds", "module", "Deals", "sheet", "Pipeline")
	mustValue(t, fams, 0, "zoho2sheets_last_success_timestamp_seconds", "module", "Deals", "sheet", "Pipeline history")
	mustValue(t, fams, 40, "zoho2sheets_records_read_total", "module", "Deals", "sheet", "Pipeline")
	mustValue(t, fams, 40, "zoho2sheets_records_read_total", "module", "Deals", "sheet", "Pipeline history")
	mustValue(t, fams, 4, "zoho2sheets_rows_written_total", "module", "Deals", "sheet", "Pipeline", "kind", "added")
	mustValue(t, fams, 0, "zoho2sheets_rows_written_total", "module", "Deals", "sheet", "Pipeline history", "kind", "added")

	code, body := get(t, srv, "/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "module Deals (tab Pipeline history): write tab: HTTP 400 grid limits") {
		t.Errorf("/healthz = %d %q, want 503 naming Deals' Pipeline history tab and its error", code, body)
	}
	if strings.Contains(body, "tab Pipeline)") || strings.Count(body, "module Deals") != 1 {
		t.Errorf("/healthz names the Pipeline tab, which succeeded: %q", body)
	}
}

// A run that found another run holding the lease did nothing: it is
// counted apart, and neither fails nor heals /healthz.
func TestRunSkippedIsNotAFailure(t *testing.T) {
	clk := newClock()
	m, srv := serve(t, metrics.WithClock(clk.Now))

	m.RunStarted()
	m.RunSkipped()
	fams := scrape(t, srv)
	mustValue(t, fams, 1, "zoho2sheets_runs_total", "result", "skipped_lease_busy")
	mustValue(t, fams, 0, "zoho2sheets_runs_total", "result", "failed")
	mustValue(t, fams, 0, "zoho2sheets_run_in_progress")
	mustValue(t, fams, 0, "zoho2sheets_run_duration_seconds")
	if code, body := get(t, srv, "/healthz"); code != http.StatusOK {
		t.Errorf("after a skipped run: /healthz = %d %q, want 200", code, body)
	}

	// A skipped run does not hide an earlier failure either.
	m.RunStarted()
	m.ModuleDone("Leads", "", false, 0, 0, 0, 0, 0, clk.Now())
	m.RunDone(false, time.Second, clk.Now())
	m.RunStarted()
	m.RunSkipped()
	if code, body := get(t, srv, "/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "module Leads: failed") {
		t.Errorf("a skipped run after a failed one: /healthz = %d %q, want 503 naming Leads", code, body)
	}
	fams = scrape(t, srv)
	mustValue(t, fams, 2, "zoho2sheets_runs_total", "result", "skipped_lease_busy")
	mustValue(t, fams, 1, "zoho2sheets_runs_total", "result", "failed")
}

// A cron tick that finds the daemon's own previous run still going is
// counted as skipped_overlap, and leaves the run that is still going alone:
// it is still in progress, and its failures still reach /healthz when it
// ends.
func TestRunSkippedOverlapLeavesTheRunningRunAlone(t *testing.T) {
	clk := newClock()
	m, srv := serve(t, metrics.WithClock(clk.Now))

	m.RunStarted()
	m.ModuleDone("Deals", "Pipeline history", false, 0, 0, 0, 0, 0, clk.Now())
	m.ModuleFailed("Deals", "Pipeline history", "write tab: HTTP 400")
	m.RunSkippedOverlap()
	m.RunSkippedOverlap()
	fams := scrape(t, srv)
	mustValue(t, fams, 2, "zoho2sheets_runs_total", "result", "skipped_overlap")
	mustValue(t, fams, 0, "zoho2sheets_runs_total", "result", "skipped_lease_busy")
	mustValue(t, fams, 0, "zoho2sheets_runs_total", "result", "failed")
	mustValue(t, fams, 1, "zoho2sheets_run_in_progress")

	m.RunDone(false, time.Second, clk.Now())
	if code, body := get(t, srv, "/healthz"); code != http.StatusServiceUnavailable ||
		!strings.Contains(body, "module Deals (tab Pipeline history): write tab: HTTP 400") {
		t.Errorf("the overlapped run failed: /healthz = %d %q, want 503 naming its failure", code, body)
	}
	fams = scrape(t, srv)
	mustValue(t, fams, 1, "zoho2sheets_runs_total", "result", "failed")
	mustValue(t, fams, 2, "zoho2sheets_runs_total", "result", "skipped_overlap")
}

func TestHealthNoRunSinceStart(t *testing.T) {
	clk := newClock()
	m := metrics.New(metrics.WithClock(clk.Now), metrics.WithSlack(0))
	m.SetExpectedInterval(24 * time.Hour)
	clk.Add(47 * time.Hour)
	if ok, reason := m.Health(); !ok {
		t.Errorf("47h after start with a daily schedule: unhealthy %q", reason)
	}
	clk.Add(2 * time.Hour)
	if ok, reason := m.Health(); ok || !strings.Contains(reason, "no run has finished") {
		t.Errorf("49h after start with no run: Health() = %v %q, want unhealthy", ok, reason)
	}
}

func TestNoStalenessWithoutInterval(t *testing.T) {
	clk := newClock()
	m := metrics.New(metrics.WithClock(clk.Now))
	m.RunDone(true, time.Second, clk.Now())
	clk.Add(1000 * time.Hour)
	if ok, reason := m.Health(); !ok {
		t.Errorf("without an expected interval: unhealthy %q", reason)
	}
}

func TestNilMetricsIsNoop(t *testing.T) {
	var m *metrics.Metrics
	m.RunStarted()
	m.ModuleDone("Leads", "Leads", true, 1, 1, 0, 0, 0, time.Now())
	m.ModuleFailed("Leads", "Leads", "x")
	m.RunSkipped()
	m.RunSkippedOverlap()
	m.APICall("zoho", "200")
	m.Retry("zoho")
	m.TokenRefresh("zoho")
	m.RunDone(true, time.Second, time.Now())
	m.SetExpectedInterval(time.Hour)
	m.Observer("zoho").APICall(200)
	m.Observer("zoho").Retry()
	m.Observer("zoho").TokenRefresh()
	if ok, _ := m.Health(); !ok {
		t.Error("nil Metrics unhealthy")
	}
}

// Two instances must not share a registry (the global default would panic
// on the second registration).
func TestOwnRegistry(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.Retry("zoho")
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	if _, ok := value(scrape(t, srv), "zoho2sheets_retries_total", "service", "zoho"); ok {
		t.Error("a retry on one Metrics shows on another")
	}
}

func TestConcurrentUse(t *testing.T) {
	m := metrics.New()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				m.RunStarted()
				m.APICall("zoho", "200")
				m.ModuleDone("Leads", "Leads", i%2 == 0, 1, 1, 0, 0, 0, time.Now())
				m.RunDone(i%2 == 0, time.Millisecond, time.Now())
				m.Health()
			}
		}()
	}
	scrape(t, srv)
	wg.Wait()
	mustValue(t, scrape(t, srv), 400, "zoho2sheets_api_calls_total", "service", "zoho", "status", "200")
}

// The Zoho and Sheets clients take an Observer with these methods; metrics
// must not import them, so the shape is restated here.
var _ interface {
	APICall(status int)
	Retry()
	TokenRefresh()
} = (*metrics.Observer)(nil)

// A weekdays-only schedule: a weekend without runs is not stale; two
// missed weekday runs are.
func TestHealthFollowsAnIrregularSchedule(t *testing.T) {
	sched, err := cron.ParseStandard("0 6 * * 1-5")
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock() // Sunday 2026-03-01 06:00 UTC
	m := metrics.New(metrics.WithClock(clk.Now), metrics.WithSlack(15*time.Minute))
	m.SetSchedule(sched.Next)
	clk.Add(5*24*time.Hour + 5*time.Minute) // Friday 06:05
	m.RunStarted()
	m.RunDone(true, time.Minute, clk.Now())
	clk.Add(2*24*time.Hour + 6*time.Hour) // Sunday 12:05
	if ok, reason := m.Health(); !ok {
		t.Errorf("on the weekend after Friday's run: unhealthy %q", reason)
	}
	clk.Add(2*24*time.Hour - 6*time.Hour + 10*time.Minute) // Tuesday 06:15, within the slack
	if ok, reason := m.Health(); !ok {
		t.Errorf("within the slack of Tuesday's run: unhealthy %q", reason)
	}
	clk.Add(2 * time.Minute) // Monday's and Tuesday's runs missed
	ok, reason := m.Health()
	if ok || !strings.Contains(reason, "2026-03-09T06:00:00Z and 2026-03-10T06:00:00Z did not succeed") {
		t.Errorf("after two missed weekday runs: Health() = %v %q, want unhealthy naming both", ok, reason)
	}
}
