package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/alert"
	"github.com/zoho2sheets/zoho2sheets/config"
	"github.com/zoho2sheets/zoho2sheets/metrics"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// syncFlags are the flags of a sync run.
type syncFlags struct {
	config      string
	once        bool
	full        bool
	since       time.Time
	modules     multiFlag
	dryRun      bool
	dryRunLimit int
	logFormat   string
	logLevel    string
	metricsAddr string
	// requestTimeout bounds each request to Zoho or Google (0: the
	// clients' defaults); runTimeout bounds a whole run (0: none for
	// --once, derived from the schedule for the daemon).
	requestTimeout time.Duration
	runTimeout     time.Duration
	// wait is how long to wait for another run's lease (a dry run takes
	// none, so it ignores wait: a workflow may pass both); waitSet tells
	// whether --wait was given (the daemon's default is the schedule's slack).
	wait    time.Duration
	waitSet bool
}

type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		*m = append(*m, s)
	}
	return nil
}

func parseSyncFlags(args []string, stderr io.Writer) (*syncFlags, error) {
	f := &syncFlags{}
	fs := flag.NewFlagSet("zoho2sheets", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	var since string
	fs.StringVar(&f.config, "config", "mapping.yaml", "mapping file")
	fs.BoolVar(&f.once, "once", false, "run once, then exit")
	fs.BoolVar(&f.full, "full", false, "re-read everything and reconcile")
	fs.StringVar(&since, "since", "", "backfill records modified since this date")
	fs.Var(&f.modules, "module", "limit the run to this module (repeatable)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "plan and print, write nothing")
	fs.IntVar(&f.dryRunLimit, "dry-run-limit", DefaultDryRunLimit, "dry run: changed cells (and added/removed rows) shown per tab")
	fs.StringVar(&f.logFormat, "log-format", "auto", "json, console or auto")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "daemon: serve /metrics and /healthz here")
	durationFlag(fs, &f.requestTimeout, "request-timeout", 0, "bound each request to Zoho or Google (default 2m Zoho, 4m Google)")
	durationFlag(fs, &f.runTimeout, "run-timeout", 0, "stop a run that takes longer (daemon default: the schedule's interval, 1h to 12h)")
	durationFlag(fs, &f.wait, "wait", 0, "wait up to this long for another run's lease")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageErr("%v", err)
	}
	fs.Visit(func(fl *flag.Flag) { f.waitSet = f.waitSet || fl.Name == "wait" })
	if fs.NArg() > 0 {
		return nil, usageErr("unexpected argument %q; flags go before nothing else (see zoho2sheets help)", fs.Arg(0))
	}
	if since != "" {
		t, err := parseSince(since)
		if err != nil {
			return nil, err
		}
		f.since = t
	}
	if err := checkDryRunLimit(fs, f); err != nil {
		return nil, err
	}
	if f.full && !f.since.IsZero() {
		return nil, usageErr("cannot combine --full with --since: --full re-reads everything")
	}
	if !f.once && (f.full || !f.since.IsZero() || f.dryRun || len(f.modules) > 0) {
		return nil, usageErr("--full, --since, --module and --dry-run need --once (the daemon always runs the whole mapping)")
	}
	if f.requestTimeout < 0 || f.runTimeout < 0 {
		return nil, usageErr("--request-timeout and --run-timeout must be positive durations, like 90s or 2h")
	}
	if f.wait < 0 {
		return nil, usageErr("--wait %s: use a duration of zero or more, e.g. --wait 15m", f.wait)
	}
	if f.once && f.metricsAddr != "" {
		return nil, usageErr("--metrics-addr serves the daemon; it cannot be combined with --once")
	}
	if _, _, err := net.SplitHostPort(f.metricsAddr); f.metricsAddr != "" && err != nil {
		return nil, usageErr("--metrics-addr %s: write host:port or :port, e.g. --metrics-addr :9090", f.metricsAddr)
	}
	return f, nil
}

func parseSince(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr("--since %q: use a date like 2024-01-31 or a time like 2024-01-31T08:00:00Z", s)
}

// cmdSync is the product: one run (--once) or the daemon.
func cmdSync(ctx context.Context, args []string, e env) error {
	f, err := parseSyncFlags(args, e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if f.since.After(e.now()) {
		return usageErr("--since %s is in the future: nothing would be read (a typo in the year?)", f.since.Format(time.RFC3339))
	}
	log, err := newLogger(e.stderr, f.logFormat, f.logLevel)
	if err != nil {
		return usageErr("%v", err)
	}
	cfg, err := config.Load(f.config, lookupEnv(e))
	if err != nil {
		return err
	}
	if !f.once && cfg.Schedule == "" {
		return &zsync.ConfigError{Where: f.config, Key: "schedule", Msg: "the daemon needs a schedule",
			Hint: `add e.g. schedule: "CRON_TZ=Europe/Berlin 0 6 * * *", or run with --once`}
	}
	// A mistyped --module is a usage error: refused before anything is
	// read, written or alerted on.
	if err := newJob(cfg, nil, nil, log, e).CheckSelection(f.modules); err != nil {
		return err
	}
	var m *metrics.Metrics
	if !f.once {
		m = metrics.New(metrics.WithClock(e.now))
	}
	notifier, err := newNotifier(cfg, e, log)
	if err != nil {
		return err
	}
	e.requestTimeout = f.requestTimeout
	w, err := wire(ctx, cfg, e, log, m)
	if err != nil {
		var ce *zsync.ConfigError
		if notifier != nil && !errors.As(err, &ce) {
			// Nothing ran, but somebody must hear of it: the sheet is
			// unreachable, or the credentials stopped working.
			f := alert.Failure{Module: "(all)", Err: err.Error(), Hint: zsync.Hint(err), Run: e.now()}
			if aerr := notifier.Failure(ctx, f); aerr != nil {
				log.Warn().Err(aerr).Msg("could not post the failure alert")
			}
		}
		return err
	}
	r := &runner{wiring: w, log: log, notifier: notifier, metrics: m, e: e, deadline: f.runTimeout}
	w.job.ModuleDone = r.moduleDone
	if !f.once && notifier != nil && cfg.Alerts.Digest {
		r.digest = &alert.Digest{Since: e.now()}
	}
	opts := zsync.RunOptions{Full: f.full, Since: f.since, Modules: f.modules, DryRun: f.dryRun, DiffLimit: f.dryRunLimit, LeaseWait: f.wait}
	if f.once {
		interrupt := make(chan struct{})
		stop := watchSignals(ctx, e, log, interrupt)
		defer stop()
		opts.Interrupt = interrupt
		pr := &progress{log: log, now: e.now, logEvery: 10 * time.Second}
		if isTerminal(e.stderr) && f.logFormat != "json" {
			// Only a person watching needs the total: it costs a call.
			pr.terminal, pr.count = e.stderr, w.zoho.Count
		}
		w.job.Progress = func(ev zsync.Progress) { pr.report(ctx, ev) }
		_, err := r.run(ctx, opts)
		return err
	}
	if f.waitSet {
		r.daemonWait = &f.wait
	}
	r.repeats = alert.NewRepeats()
	r.mapping = newMappingWatch(f.config, lookupEnv(e))
	return r.daemon(ctx, cfg, f.metricsAddr)
}

func lookupEnv(e env) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v := e.getenv(k)
		return v, v != ""
	}
}

// runner runs the job and reports on it.
type runner struct {
	*wiring
	log      zerolog.Logger
	notifier *alert.Notifier
	metrics  *metrics.Metrics
	e        env

	// digest collects the daemon's runs for the daily success digest
	// (nil when the mapping does not ask for one).
	digest *alert.Digest
	// deadline bounds each run (0: none).
	deadline time.Duration
	// daemonWait, when set (--wait), replaces the schedule's slack as how
	// long a daemon run waits for another run's lease.
	daemonWait *time.Duration
	// repeats keeps the daemon from alerting the same failure every run
	// (nil: --once, which alerts every failure).
	repeats *alert.Repeats
	// mapping reports edits of the mapping file the daemon does not apply
	// (nil: --once).
	mapping *mappingWatch
}

// run runs the job once. It returns errRunFailed when the run failed (the
// details are logged and alerted), or the *zsync.LeaseBusyError when
// another run held the lease (nothing was done, nobody is alerted).
func (r *runner) run(ctx context.Context, opts zsync.RunOptions) (*zsync.Summary, error) {
	r.log.Info().Bool("full", opts.Full).Time("since", opts.Since).Strs("modules", opts.Modules).
		Bool("dry_run", opts.DryRun).Msg("run started")
	r.metrics.RunStarted()
	opts.Deadline = r.deadline // counted from when the run holds the lease
	sum, err := r.job.Run(ctx, opts)
	if busy := (*zsync.LeaseBusyError)(nil); errors.As(err, &busy) {
		// Not a failure to alert on or count as one: the other run is
		// doing the work. Counted before the log line, so that whoever
		// reads it finds it counted.
		r.metrics.RunSkipped()
		r.log.Warn().Err(busy).Msg("another run holds the lease: nothing done")
		logSummary(r.log, sum)
		return sum, busy
	}
	if ctx.Err() == nil && sum.DeadlineExceeded {
		err = &deadlineError{limit: r.deadline, err: err}
	}
	logSummary(r.log, sum)
	if opts.DryRun || isTerminal(r.e.stdout) {
		printSummary(r.e.stdout, sum)
	}
	if serr := writeStepSummary(r.e.getenv("GITHUB_STEP_SUMMARY"), sum); serr != nil {
		r.log.Warn().Err(serr).Msg("could not write the job summary")
	}
	ok := err == nil
	if de := (*deadlineError)(nil); errors.As(err, &de) {
		// The tabs' errors only say "context deadline exceeded".
		r.metrics.ModuleFailed("(run)", "", (&deadlineError{limit: de.limit}).Error())
	} else if !ok && len(sum.Failed()) == 0 {
		// Failed before any tab (the lease, the spreadsheet): /healthz
		// must say why, or it only says that it failed.
		r.metrics.ModuleFailed("(run)", "", err.Error())
	}
	r.metrics.RunDone(ok, sum.Duration, r.e.now())
	if ok {
		r.repeats.Succeeded(runEntry, "")
	}
	if err != nil && stoppedOnRequest(sum, err) {
		r.log.Warn().Err(err).Msg(runStoppedMsg)
	} else if err != nil {
		r.log.Error().Err(err).Msg("run failed")
		r.alert(ctx, sum, err)
	}
	r.postDigest(ctx, ok)
	if !ok {
		return sum, errRunFailed
	}
	return sum, nil
}

// runStoppedMsg is logged for a run that ended early only because it was
// asked to stop (SIGTERM, SIGINT): not a failure.
const runStoppedMsg = "run stopped on request before it finished: the tabs it did not reach keep their state; the next run does them"

// stoppedOnRequest reports whether the run failed only because it was asked
// to stop: while it waited for the lease, or before some tabs.
func stoppedOnRequest(sum *zsync.Summary, err error) bool {
	failed := sum.Failed()
	if len(failed) == 0 {
		return errors.Is(err, zsync.ErrInterrupted)
	}
	for _, m := range failed {
		if !errors.Is(m.Err, zsync.ErrInterrupted) {
			return false
		}
	}
	return true
}

// oneCause reports whether the entries failed for one reason: the same
// innermost error (what each entry's own context wraps), not a stop.
func oneCause(failed []zsync.ModuleSummary) bool {
	first := rootCause(failed[0].Err).Error()
	for _, m := range failed {
		if errors.Is(m.Err, zsync.ErrInterrupted) || rootCause(m.Err).Error() != first {
			return false
		}
	}
	return true
}

// rootCause is the innermost error of err's chain (a joined error ends it).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// postDigest counts the run into the daily digest and posts the digest once
// a day has passed since the last one.
func (r *runner) postDigest(ctx context.Context, ok bool) {
	if r.digest == nil {
		return
	}
	r.digest.AddRun(ok)
	now := r.e.now()
	if now.Sub(r.digest.Since) < 24*time.Hour {
		return
	}
	r.digest.Until = now
	if err := r.notifier.Digest(ctx, *r.digest); err != nil {
		r.log.Warn().Err(err).Msg("could not post the daily digest")
		return
	}
	r.digest = &alert.Digest{Since: now}
}

// moduleDone feeds one mapping entry's outcome (its module and tab) to the
// metrics and the digest.
func (r *runner) moduleDone(m zsync.ModuleSummary) {
	res := m.Result
	if m.Err != nil && res.CellsWritten == 0 {
		// The counts are the plan: a write that failed before its first
		// cell wrote none of it, and the next run writes those rows again.
		res = zsync.UpsertResult{}
	}
	r.metrics.ModuleDone(m.Module, m.Sheet, m.Err == nil, m.Read, res.Added, res.Updated, res.Removed, res.Marked, r.e.now())
	if m.Err != nil {
		r.metrics.ModuleFailed(m.Module, m.Sheet, m.Err.Error())
	} else {
		r.repeats.Succeeded(m.Module, m.Sheet)
	}
	if r.digest != nil {
		r.digest.AddModule(m.Module, m.Sheet, m.Err == nil, m.Read, res.Added, res.Updated, res.Removed, res.Marked, r.e.now())
	}
}

// runEntry names the whole run in alerts, for a failure before any entry
// ran (or a run stopped by its deadline).
const runEntry = "(all)"

// alert posts one message per failed mapping entry, naming its module and
// tab (or one for the run, when it failed before any entry ran); the daemon
// skips a failure it already posted (see alert.Repeats).
func (r *runner) alert(ctx context.Context, sum *zsync.Summary, err error) {
	if r.notifier == nil {
		return
	}
	failed := sum.Failed()
	if de := (*deadlineError)(nil); len(failed) == 0 || errors.As(err, &de) {
		failed = []zsync.ModuleSummary{{Module: runEntry, Err: err}}
	} else if len(failed) > 1 && len(failed) == len(sum.Modules) && oneCause(failed) {
		// Every tab failed for one reason (a revoked token, a Zoho
		// outage): one alert says it, not one per tab.
		failed = []zsync.ModuleSummary{{Module: runEntry, Err: failed[0].Err}}
	} else {
		r.repeats.Succeeded(runEntry, "") // the run itself got through
	}
	for _, m := range failed {
		if errors.Is(m.Err, zsync.ErrInterrupted) {
			continue // a requested stop, not a failure anyone must act on
		}
		now := r.e.now()
		if !r.repeats.Due(m.Module, m.Sheet, m.Err.Error(), now) {
			r.log.Info().Str("module", m.Module).Str("sheet", m.Sheet).
				Msg("the same failure was alerted already: not posted again (a day after the last post, or when it changes)")
			continue
		}
		f := alert.Failure{Module: m.Module, Sheet: m.Sheet, Err: m.Err.Error(), Hint: zsync.Hint(m.Err), Run: sum.Started}
		if aerr := r.notifier.Failure(ctx, f); aerr != nil {
			r.log.Warn().Err(aerr).Str("module", m.Module).Str("sheet", m.Sheet).Msg("could not post the failure alert")
			continue
		}
		r.repeats.Posted(m.Module, m.Sheet, m.Err.Error(), now)
	}
}

// daemon runs the job on the mapping's schedule until SIGINT/SIGTERM. Runs
// never overlap; on a signal the running sync finishes its current write,
// then the daemon exits. A second signal cancels at once.
func (r *runner) daemon(ctx context.Context, cfg *config.Config, metricsAddr string) error {
	sched, err := cron.ParseStandard(cfg.Schedule)
	if err != nil {
		return &zsync.ConfigError{Where: cfg.File, Key: "schedule", Msg: err.Error(),
			Hint: `use five cron fields, optionally prefixed with CRON_TZ=Zone, e.g. "CRON_TZ=Europe/Berlin 0 6 * * *"`}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if r.deadline == 0 {
		r.deadline = runDeadline(sched, r.e.now())
	}
	interrupt := make(chan struct{})
	stop := watchSignals(ctx, r.e, r.log, interrupt)
	defer stop()

	if metricsAddr != "" {
		ln, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			return usageErr("--metrics-addr %s: %v", metricsAddr, err)
		}
		r.metrics.SetSchedule(sched.Next)
		srv := &http.Server{Handler: r.metrics.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		r.log.Info().Str("addr", ln.Addr().String()).Msg("serving /metrics and /healthz")
	}

	r.job.NextRun = func() time.Time { return sched.Next(r.e.now()) } // shown in the status tab
	busy := make(chan struct{}, 1)
	c := cron.New(cron.WithLocation(time.Local))
	c.Schedule(sched, cron.FuncJob(func() {
		select {
		case busy <- struct{}{}:
		default:
			r.metrics.RunSkippedOverlap() // before the log line: whoever reads it finds it counted
			r.log.Warn().Msg("previous run still going: skipping this one")
			return
		}
		defer func() { <-busy }()
		if interruptedCh(interrupt) {
			return
		}
		r.mapping.check(r.log)
		now := r.e.now()
		wait := daemonSlack(now, sched.Next(now))
		if r.daemonWait != nil {
			wait = *r.daemonWait
		}
		r.run(ctx, zsync.RunOptions{Interrupt: interrupt, LeaseWait: wait})
		r.log.Info().Time("next_run", sched.Next(r.e.now())).Msg("waiting for the next run")
	}))
	c.Start()
	r.log.Info().Str("schedule", cfg.Schedule).Time("next_run", sched.Next(r.e.now())).
		Dur("run_timeout", r.deadline).Msg("daemon started")

	<-interrupt
	r.log.Info().Msg("stopping: letting the running sync finish its write")
	<-c.Stop().Done()
	r.log.Info().Msg("stopped")
	return nil
}

// daemonSlack is how long a daemon run waits for another run's lease: until
// shortly before the next scheduled run, which would otherwise be skipped.
func daemonSlack(now, next time.Time) time.Duration {
	d := next.Sub(now)
	return max(0, d-min(d/10, time.Minute))
}

func interruptedCh(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// watchSignals closes interrupt on the first SIGINT/SIGTERM or when ctx ends
// (a graceful stop); a second signal exits at once.
func watchSignals(ctx context.Context, e env, log zerolog.Logger, interrupt chan struct{}) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-e.signals:
		case <-ctx.Done():
		case <-done:
			return
		}
		close(interrupt)
		select {
		case <-e.signals:
			log.Warn().Msg("second signal: exiting without waiting")
			osExit(exitFailed)
		case <-done:
		}
	}()
	return func() { close(done) }
}

// runDeadline is the daemon's default bound on one run: the schedule's
// interval (a run that is still going when the next is due has gone
// wrong), but at least an hour, so a frequent schedule still lets a full
// reconcile finish, and at most 12 hours, so a daily one raises the alarm
// the same day.
func runDeadline(sched cron.Schedule, now time.Time) time.Duration {
	next := sched.Next(now)
	return min(max(sched.Next(next).Sub(next), time.Hour), 12*time.Hour)
}

// deadlineError is a run stopped by its deadline: something hung, or the
// run is far slower than it should be.
type deadlineError struct {
	limit time.Duration
	err   error
}

func (e *deadlineError) Error() string {
	msg := fmt.Sprintf("run stopped after %s (its deadline, --run-timeout)", e.limit)
	if e.err != nil {
		msg += ": " + e.err.Error()
	}
	return msg
}

func (e *deadlineError) Unwrap() error { return e.err }

func (e *deadlineError) Hint() string {
	return "a request to Zoho or Google hung, or the run is far slower than usual: check the log for retries and timeouts; raise --run-timeout if runs legitimately take this long"
}
