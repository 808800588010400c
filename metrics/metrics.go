// Package metrics exposes what the zoho2sheets daemon is doing as Prometheus
// metrics, and whether it is healthy, over HTTP (/metrics and /healthz).
//
// Per-entry metrics carry two labels: module (the CRM module) and sheet (the
// tab's title). One module may feed several tabs (a mirror and a snapshot
// history of Deals), each its own mapping entry with its own cursor and
// outcome, so each gets its own series; sum by (module) to see a module as
// a whole. /healthz names a failed entry as "module Deals (tab Pipeline
// history)" (just "module Leads" when the tab is named after its module).
//
// zoho2sheets_runs_total counts runs by result: ok, failed,
// skipped_lease_busy for a run that found another run holding the
// spreadsheet's lease (exit code 75), and skipped_overlap for a scheduled
// run the daemon did not start because its own previous run was still
// going (runs take longer than the schedule's period). A skipped run did
// nothing and is not a failure: it leaves /healthz and the last-run metrics
// as they were (only the staleness check notices when runs keep being
// skipped).
//
// Metrics uses its own registry, never the global default one, so two
// instances (tests, or a library user with its own metrics) never collide.
// Every method is safe for concurrent use and a no-op on a nil *Metrics, so
// callers that run without metrics (--once) need no nil checks.
//
// Wiring in the daemon:
//
//	m := metrics.New()
//	m.SetSchedule(sched.Next)                    // the cron schedule: staleness counts missed runs
//	zoho.WithObserver(m.Observer(metrics.ServiceZoho))
//	job.ModuleDone = func(s zsync.ModuleSummary) {
//		r := s.Result
//		m.ModuleDone(s.Module, s.Sheet, s.Err == nil, s.Read, r.Added, r.Updated, r.Removed, r.Marked, time.Now())
//		if s.Err != nil {
//			m.ModuleFailed(s.Module, s.Sheet, s.Err.Error())
//		}
//	}
//	m.RunStarted(); sum, err := job.Run(ctx, opts)
//	if busy := (*zsync.LeaseBusyError)(nil); errors.As(err, &busy) {
//		m.RunSkipped()
//	} else {
//		m.RunDone(err == nil, sum.Duration, time.Now())
//	}
//	m.RunSkippedOverlap()                        // a cron tick while a run is still going
//	http.Serve(ln, m.Handler())                  // /metrics and /healthz
package metrics

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zoho2sheets/zoho2sheets/alert"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// DefaultSlack is added to twice the expected run interval before a daemon
// whose last success is that old is reported unhealthy. It covers a long
// run (a full reconcile of a big module) and a late cron tick.
const DefaultSlack = 15 * time.Minute

// Services named in the service label.
const (
	ServiceZoho   = "zoho"
	ServiceSheets = "sheets"
)

// Results of zoho2sheets_runs_total.
const (
	ResultOK               = "ok"
	ResultFailed           = "failed"
	ResultSkippedLeaseBusy = "skipped_lease_busy"
	ResultSkippedOverlap   = "skipped_overlap"
)

// Row write kinds of zoho2sheets_rows_written_total.
const (
	KindAdded   = "added"
	KindUpdated = "updated"
	KindRemoved = "removed"
	KindMarked  = "marked"
)

// Metrics records the daemon's runs and serves them. Create it with New.
type Metrics struct {
	reg *prometheus.Registry

	lastSuccess    *prometheus.GaugeVec
	lastRunSuccess *prometheus.GaugeVec
	recordsRead    *prometheus.CounterVec
	rowsWritten    *prometheus.CounterVec
	apiCalls       *prometheus.CounterVec
	retries        *prometheus.CounterVec
	credits        *prometheus.CounterVec
	tokenRefreshes *prometheus.CounterVec
	runDuration    prometheus.Histogram
	runs           *prometheus.CounterVec
	runInProgress  prometheus.Gauge
	lastRunTime    prometheus.Gauge

	now   func() time.Time
	slack time.Duration

	mu       sync.Mutex
	started  time.Time // when New ran
	interval time.Duration
	// next, when set, is the schedule (the first run due after a time):
	// staleness then counts scheduled runs missed, not intervals.
	next    func(time.Time) time.Time
	lastOK  time.Time // last successful run
	ranOnce bool      // a run has finished (ok or not)
	// failures are the entries that failed in the current run; failed is
	// what the last finished run failed on (empty when it succeeded).
	failures []failure
	failed   []failure
}

type failure struct{ module, sheet, err string }

// Option configures New.
type Option func(*Metrics)

// WithClock sets the clock /healthz judges staleness by (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(m *Metrics) {
		if now != nil {
			m.now = now
		}
	}
}

// WithSlack sets the slack added to twice the expected interval before the
// last success counts as too old (default DefaultSlack).
func WithSlack(d time.Duration) Option {
	return func(m *Metrics) {
		if d >= 0 {
			m.slack = d
		}
	}
}

// New returns Metrics with every zoho2sheets metric registered on a fresh
// registry, plus the Go runtime and process collectors.
func New(opts ...Option) *Metrics {
	m := &Metrics{
		reg:   prometheus.NewRegistry(),
		now:   time.Now,
		slack: DefaultSlack,
	}
	for _, o := range opts {
		o(m)
	}
	m.started = m.now()
	f := factory{m.reg}
	m.lastSuccess = f.gaugeVec("zoho2sheets_last_success_timestamp_seconds",
		"Unix time of the last successful sync of the module's tab (sheet).", "module", "sheet")
	m.lastRunSuccess = f.gaugeVec("zoho2sheets_last_run_success",
		"1 if the last sync of the module's tab (sheet) succeeded, 0 if it failed.", "module", "sheet")
	m.recordsRead = f.counterVec("zoho2sheets_records_read_total",
		"CRM records read, by module and tab (sheet).", "module", "sheet")
	m.rowsWritten = f.counterVec("zoho2sheets_rows_written_total",
		"Sheet rows written, by module, tab (sheet) and kind (added, updated, removed, marked).", "module", "sheet", "kind")
	m.apiCalls = f.counterVec("zoho2sheets_api_calls_total",
		"HTTP API calls made, by service (zoho, sheets) and HTTP status (or \"error\" when no response came).", "service", "status")
	m.credits = f.counterVec("zoho2sheets_api_credits_total",
		"API credits spent, by service (Zoho: 1 per call, a COQL query 1 to 3 by its LIMIT).", "service")
	m.retries = f.counterVec("zoho2sheets_retries_total",
		"API calls retried after a 429, a 5xx or a network error.", "service")
	m.tokenRefreshes = f.counterVec("zoho2sheets_token_refreshes_total",
		"OAuth access tokens fetched.", "service")
	m.runs = f.counterVec("zoho2sheets_runs_total",
		"Sync runs, by result (ok, failed, skipped_lease_busy: another run held the spreadsheet's lease, skipped_overlap: this daemon's previous run was still going).", "result")
	m.runDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "zoho2sheets_run_duration_seconds",
		Help:    "Duration of a sync run (all modules).",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200},
	})
	m.runInProgress = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "zoho2sheets_run_in_progress", Help: "1 while a sync run is going."})
	m.lastRunTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "zoho2sheets_last_run_timestamp_seconds", Help: "Unix time the last sync run finished, ok or not."})
	m.reg.MustRegister(m.runDuration, m.runInProgress, m.lastRunTime,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Pre-create the run results so a dashboard sees 0, not "no data".
	m.runs.WithLabelValues(ResultOK)
	m.runs.WithLabelValues(ResultFailed)
	m.runs.WithLabelValues(ResultSkippedLeaseBusy)
	m.runs.WithLabelValues(ResultSkippedOverlap)
	return m
}

type factory struct{ reg *prometheus.Registry }

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(v)
	return v
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(v)
	return v
}

// Registry returns the registry the metrics live in, for callers that add
// their own collectors.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// RunStarted marks the start of a sync run.
func (m *Metrics) RunStarted() {
	if m == nil {
		return
	}
	m.runInProgress.Set(1)
	m.mu.Lock()
	m.failures = nil
	m.mu.Unlock()
}

// ModuleDone records the outcome of one mapping entry in the current run:
// the module, its tab (sheet; "" means the tab is named after the module),
// whether it succeeded, how many records it read and how many rows it
// added, updated, removed and marked as deleted. at is when it finished.
//
// A failed entry keeps its last success timestamp; its failure shows in
// /healthz (as "failed", without the error text: use ModuleFailed to give
// one) once RunDone reports the run.
func (m *Metrics) ModuleDone(module, sheet string, ok bool, read int, added, updated, removed, marked int, at time.Time) {
	if m == nil {
		return
	}
	sheet = tabOf(module, sheet)
	m.recordsRead.WithLabelValues(module, sheet).Add(nonNeg(read))
	m.rowsWritten.WithLabelValues(module, sheet, KindAdded).Add(nonNeg(added))
	m.rowsWritten.WithLabelValues(module, sheet, KindUpdated).Add(nonNeg(updated))
	m.rowsWritten.WithLabelValues(module, sheet, KindRemoved).Add(nonNeg(removed))
	m.rowsWritten.WithLabelValues(module, sheet, KindMarked).Add(nonNeg(marked))
	if ok {
		m.lastRunSuccess.WithLabelValues(module, sheet).Set(1)
		m.lastSuccess.WithLabelValues(module, sheet).Set(unixSeconds(at))
		return
	}
	m.lastRunSuccess.WithLabelValues(module, sheet).Set(0)
	// Make the series exist (at 0) so an alert on its age fires for an
	// entry that has never succeeded.
	m.lastSuccess.WithLabelValues(module, sheet)
	m.ModuleFailed(module, sheet, "failed")
}

// ModuleFailed records why the entry of module writing tab sheet failed in
// the current run; /healthz names the module, the tab and this text. The
// text must already be free of secrets (it is scrubbed again, truncated,
// and served to anyone who can reach the metrics address).
func (m *Metrics) ModuleFailed(module, sheet, errText string) {
	if m == nil {
		return
	}
	sheet = tabOf(module, sheet)
	errText = truncate(scrub(errText), 300)
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, f := range m.failures {
		if f.module == module && f.sheet == sheet {
			if errText != "failed" {
				m.failures[i].err = errText
			}
			return
		}
	}
	m.failures = append(m.failures, failure{module, sheet, errText})
}

// tabOf is the tab an entry writes: sheet, or, when that is empty, the
// module's name (the mapping's default tab title).
func tabOf(module, sheet string) string {
	if sheet == "" {
		return module
	}
	return sheet
}

// APICall counts one API call to service ("zoho" or "sheets") that ended
// with status: the HTTP status code, or "error" when no response came.
func (m *Metrics) APICall(service, status string) {
	if m == nil {
		return
	}
	m.apiCalls.WithLabelValues(service, status).Inc()
}

// Credits counts n API credits spent on service.
func (m *Metrics) Credits(service string, n int) {
	if m == nil {
		return
	}
	m.credits.WithLabelValues(service).Add(float64(n))
}

// Retry counts one retried call to service.
func (m *Metrics) Retry(service string) {
	if m == nil {
		return
	}
	m.retries.WithLabelValues(service).Inc()
}

// TokenRefresh counts one access token fetched for service.
func (m *Metrics) TokenRefresh(service string) {
	if m == nil {
		return
	}
	m.tokenRefreshes.WithLabelValues(service).Inc()
}

// RunDone marks the end of a sync run that took d and finished at at. A
// failed run makes /healthz unhealthy until a later run succeeds; a
// successful one resets the staleness clock.
func (m *Metrics) RunDone(ok bool, d time.Duration, at time.Time) {
	if m == nil {
		return
	}
	m.runInProgress.Set(0)
	m.runDuration.Observe(d.Seconds())
	m.lastRunTime.Set(unixSeconds(at))
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ranOnce = true
	if ok {
		m.runs.WithLabelValues(ResultOK).Inc()
		m.lastOK = at
		m.failed = nil
	} else {
		m.runs.WithLabelValues(ResultFailed).Inc()
		m.failed = m.failures
		if len(m.failed) == 0 {
			m.failed = []failure{{module: "(run)", err: "failed before any module finished"}}
		}
	}
	m.failures = nil
}

// RunSkipped marks the end of a run that did nothing because another run
// held the spreadsheet's lease. It counts as runs_total{result=
// "skipped_lease_busy"}, not as a failure: /healthz, the last-run time and
// the duration histogram keep what the last real run left, so only the
// staleness check (no success within 2×interval plus slack) notices runs
// that keep being skipped.
func (m *Metrics) RunSkipped() {
	if m == nil {
		return
	}
	m.runInProgress.Set(0)
	m.runs.WithLabelValues(ResultSkippedLeaseBusy).Inc()
	m.mu.Lock()
	m.failures = nil
	m.mu.Unlock()
}

// RunSkippedOverlap counts a scheduled run the daemon did not start because
// its previous run was still going, as runs_total{result="skipped_overlap"}.
// Unlike RunSkipped it ends no run: the one still going keeps its
// in-progress gauge and the failures it has collected so far.
func (m *Metrics) RunSkippedOverlap() {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(ResultSkippedOverlap).Inc()
}

// SetExpectedInterval tells /healthz how often runs are due (the cron
// schedule's period). It then reports unhealthy once the last success (or,
// before any run finished, the start) is older than 2×d plus the slack. Zero
// turns the staleness check off.
func (m *Metrics) SetExpectedInterval(d time.Duration) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.interval = d
	m.mu.Unlock()
}

// SetSchedule tells /healthz when runs are due: next returns the first run
// due after a time (a cron schedule's Next). /healthz then reports
// unhealthy once two scheduled runs in a row passed (plus the slack)
// without a success since the last one (or, before any, since the start).
// Unlike SetExpectedInterval it holds for irregular schedules (weekdays
// only, DST days) and does not depend on when the daemon started. It
// replaces the interval.
func (m *Metrics) SetSchedule(next func(time.Time) time.Time) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.next = next
	m.mu.Unlock()
}

// Observer returns the recorder the Zoho or Sheets client reports its calls
// to; service is ServiceZoho or ServiceSheets. It returns nil (whose methods
// do nothing) when m is nil.
func (m *Metrics) Observer(service string) *Observer {
	if m == nil {
		return nil
	}
	return &Observer{m: m, service: service}
}

// Observer records the API calls of one service. A nil *Observer is valid
// and records nothing. It is safe for concurrent use.
type Observer struct {
	m       *Metrics
	service string
}

// APICall counts one call that ended with the HTTP status code (0: no
// response, counted as "error").
func (o *Observer) APICall(status int) {
	if o == nil {
		return
	}
	s := "error"
	if status > 0 {
		s = strconv.Itoa(status)
	}
	o.m.APICall(o.service, s)
}

// Credits counts n API credits spent.
func (o *Observer) Credits(n int) {
	if o == nil {
		return
	}
	o.m.Credits(o.service, n)
}

// Retry counts one retried call.
func (o *Observer) Retry() {
	if o == nil {
		return
	}
	o.m.Retry(o.service)
}

// TokenRefresh counts one access token fetched.
func (o *Observer) TokenRefresh() {
	if o == nil {
		return
	}
	o.m.TokenRefresh(o.service)
}

// Health reports whether the daemon is healthy and a one-line reason.
func (m *Metrics) Health() (ok bool, reason string) {
	if m == nil {
		return true, "ok"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if len(m.failed) > 0 {
		s := "last run failed:"
		for i, f := range m.failed {
			if i > 0 {
				s += ";"
			}
			s += fmt.Sprintf(" module %s: %s", scrub(zsync.EntryName(f.module, f.sheet)), f.err)
		}
		return false, s
	}
	if m.next != nil {
		return m.scheduleHealth(now)
	}
	maxAge := 2*m.interval + m.slack
	if m.lastOK.IsZero() {
		if m.interval > 0 && now.Sub(m.started) > maxAge {
			return false, fmt.Sprintf("no run has finished since the start %s ago (runs are due every %s)",
				roundDur(now.Sub(m.started)), m.interval)
		}
		return true, "ok: waiting for first run"
	}
	if age := now.Sub(m.lastOK); m.interval > 0 && age > maxAge {
		return false, fmt.Sprintf("last successful run was %s ago, at %s (runs are due every %s)",
			roundDur(age), m.lastOK.UTC().Format(time.RFC3339), m.interval)
	}
	return true, "ok"
}

// scheduleHealth is Health's staleness check against the schedule; callers
// hold m.mu.
func (m *Metrics) scheduleHealth(now time.Time) (ok bool, reason string) {
	since, what := m.lastOK, "last successful run was %s ago, at %s"
	if since.IsZero() {
		since, what = m.started, "no run has succeeded since the start %s ago, at %s"
	}
	first := m.next(since)
	second := m.next(first)
	if second.IsZero() || !now.After(second.Add(m.slack)) {
		if m.lastOK.IsZero() {
			return true, "ok: waiting for first run"
		}
		return true, "ok"
	}
	return false, fmt.Sprintf(what+" (the runs due at %s and %s did not succeed)", roundDur(now.Sub(since)),
		since.UTC().Format(time.RFC3339), first.UTC().Format(time.RFC3339), second.UTC().Format(time.RFC3339))
}

// Handler serves /metrics (the Prometheus text format) and /healthz (200
// "ok", or 503 with the reason). /healthz turns 503 on a failed sync, which a
// restart does not fix: use it for monitoring or a readiness probe, not a
// Kubernetes liveness probe.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ok, reason := m.Health()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, reason)
	})
	return mux
}

func nonNeg(n int) float64 {
	if n < 0 {
		return 0
	}
	return float64(n)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func roundDur(d time.Duration) time.Duration { return d.Round(time.Second) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// scrub is the alert package's redactor: /healthz text may be read by
// anyone who can reach the metrics port.
func scrub(s string) string { return alert.Scrub(s) }
