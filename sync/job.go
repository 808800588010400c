package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// DefaultOverlap is how far before the stored cursor an incremental run
// starts reading. Zoho stamps Modified_Time when a save commits, so a record
// saved while the previous run was reading can carry a time slightly older
// than the newest record that run saw; re-reading a short window costs a few
// records and the upsert is idempotent.
const DefaultOverlap = 5 * time.Minute

// ModuleJob is the sync of one CRM module into one tab.
type ModuleJob struct {
	Module     string
	Sheet      string
	Columns    []ColumnSpec
	OnDelete   OnDelete
	MarkColumn string
	// Snapshot, when set, makes the tab a history of snapshots instead of
	// a mirror: every run reads all records and appends them.
	Snapshot *SnapshotSpec
	// FullEvery, when positive, makes a run a full reconcile once the last
	// full run is at least this old. Zoho formula fields change without
	// bumping Modified_Time, so incremental runs alone drift.
	FullEvery time.Duration
	// Filter, when set, makes the tab a view: only records matching it
	// (see view.go).
	Filter Filter
	// Locate, when set, points a mistake found against the CRM's metadata
	// (an unknown module or field) at its line of the mapping file.
	Locate func(error) error
}

func (m ModuleJob) locate(err error) error {
	if m.Locate == nil {
		return err
	}
	return m.Locate(err)
}

// Job moves records from a Source to a Sink. The --once mode, the daemon and
// the demo all call Run; they only differ in when.
type Job struct {
	Source  Source
	Sink    Sink
	Modules []ModuleJob

	// Now is the clock (default time.Now).
	Now func() time.Time
	// Overlap is subtracted from the cursor of an incremental read
	// (default DefaultOverlap).
	Overlap time.Duration
	// Timezone is the zone the sink renders datetimes in; it is part of
	// each tab's fingerprint, so changing it rewrites every datetime.
	Timezone string
	Logger   zerolog.Logger
	// Progress, when set, is called when a module starts reading, every
	// ProgressEvery records, and when its read is done.
	Progress func(Progress)
	// ModuleDone, when set, is called once per module with its summary.
	ModuleDone func(ModuleSummary)
	// Calls, when set, returns the running totals of API calls made to the
	// source and requests made to the sink; the summary reports the calls
	// each module made.
	Calls func() (source, sink int)
	// Credits, when set, returns the running total of API credits the
	// source spent; the summary reports each module's.
	Credits func() int
	// Lease, when set, makes every run that writes hold the sink's run
	// lease (see LeasePolicy).
	Lease *LeasePolicy
	// Org, when set, gives currency columns the org's currency format and
	// link columns their links; without it currency columns get no format
	// of their own and link columns no links.
	Org  OrgSource
	orgs orgCache
	// Status, when set with StatusTab, gets the status rows at the end of
	// every run that writes, success or failure, while the run still
	// holds its lease. NextRun, when set, is the next scheduled run.
	Status    StatusSink
	StatusTab string
	NextRun   func() time.Time
}

// RunOptions change what one run does.
type RunOptions struct {
	// Full ignores the cursors: every record is read and rows of records
	// that no longer exist are handled per on_delete.
	Full bool
	// Since, when set, reads records modified after it instead of the cursor.
	Since time.Time
	// Modules limits the run to these module names (all when empty).
	Modules []string
	// DryRun reads and plans but writes nothing, not even the cursor.
	DryRun bool
	// DiffLimit, in a dry run, is how many added rows, removed rows and
	// changed cells each module's result previews (UpsertResult.Diff).
	DiffLimit int
	// Interrupt, when closed, asks the run to stop at the next safe point:
	// before a module starts, or while it is still reading. A write that has
	// begun is always finished.
	Interrupt <-chan struct{}
	// LeaseWait is how long to wait for another run's lease (Job.Lease).
	LeaseWait time.Duration
	// Deadline, when positive, bounds the run from the moment it holds
	// the lease (see withDeadline); Summary.DeadlineExceeded says it hit.
	Deadline time.Duration
}

// ProgressEvery is how many records are read between Progress calls.
const ProgressEvery = 1000

// Progress reports how far a module's read has come.
type Progress struct {
	Module string
	Sheet  string // the tab: one module may feed several
	// Filtered is true for a view (a tab with a filter): it reads fewer
	// records than the module holds.
	Filtered bool
	Mode     Mode
	Read     int  // records read so far
	Done     bool // the read is complete
}

// Mode names how a module was read.
type Mode string

const (
	ModeFull        Mode = "full"
	ModeIncremental Mode = "incremental"
	ModeSince       Mode = "since"
)

// ModuleSummary is the outcome of one module in one run.
type ModuleSummary struct {
	Module  string
	Sheet   string
	Mode    Mode
	Since   time.Time // start of the read window (zero for full)
	Read    int       // records read
	Deleted int       // deletions read
	Result  UpsertResult
	Cursor  time.Time // cursor after the run
	// SourceCalls and SinkRequests are the API calls the module made on
	// each side (zero when Job.Calls is not set).
	SourceCalls, SinkRequests int
	// SourceCredits are the API credits the module's source calls cost
	// (zero when Job.Credits is not set).
	SourceCredits int
	Duration      time.Duration
	Err           error
	// Notes say what happened to the tab beyond the counts, for the log
	// and the run summary: "tab renamed to "Leads (EU)": following it",
	// "mapping changed: 2 columns added (Phone, Email) → full read".
	Notes []string
	// State is the module's sync state after the run (as saved, or as it
	// would have been saved when the sheet itself failed); KeyHeader is the
	// header of the tab's key column. The status tab shows them.
	State     ModuleState
	KeyHeader string
}

// Summary is the outcome of one run.
type Summary struct {
	Started  time.Time
	Duration time.Duration
	DryRun   bool
	Modules  []ModuleSummary
	// DeadlineExceeded: the run was stopped by RunOptions.Deadline.
	DeadlineExceeded bool
}

// Failed returns the summaries of modules that failed.
func (s *Summary) Failed() []ModuleSummary {
	var out []ModuleSummary
	for _, m := range s.Modules {
		if m.Err != nil {
			out = append(out, m)
		}
	}
	return out
}

// ErrInterrupted is returned for modules skipped or abandoned because the
// run was asked to stop.
var ErrInterrupted = errors.New("run interrupted before this module finished reading; nothing was written")

// EntryName names a mapping entry for people: "Deals (tab Pipeline
// history)", or just "Leads" when the tab is named after its module (or
// sheet is empty), so the common one-tab-per-module case stays short
// while two tabs of one module never read alike. Errors, /healthz, alerts
// and the digest all name entries this way.
func EntryName(module, sheet string) string {
	if sheet == "" || sheet == module {
		return module
	}
	return fmt.Sprintf("%s (tab %s)", module, sheet)
}

// ModuleError is the error of one failed mapping entry: a module and the
// tab it feeds. One module may feed several tabs (a mirror and a history of
// Deals), so the message names the tab unless it is named after the module.
type ModuleError struct {
	Module string
	Sheet  string // the entry's tab title
	Err    error
}

func (e *ModuleError) Error() string {
	return fmt.Sprintf("module %s: %v", EntryName(e.Module, e.Sheet), e.Err)
}
func (e *ModuleError) Unwrap() error { return e.Err }

// Run syncs every selected module. A module that fails does not stop the
// others. Run returns the summary and, when any module failed, an error
// joining one *ModuleError per failed module.
func (j *Job) Run(ctx context.Context, opts RunOptions) (*Summary, error) {
	now := j.now()
	sum := &Summary{Started: now, DryRun: opts.DryRun}
	defer func() { sum.Duration = j.now().Sub(now) }()

	mods, err := j.selected(opts.Modules)
	if err != nil {
		return sum, err
	}
	j.orgs.newRun()
	ahead := j.readAhead(ctx, mods)
	defer ahead.stop()
	lease, err := j.holdLease(ctx, opts)
	if err != nil {
		return sum, err
	}
	defer j.releaseLease(ctx, lease)
	ctx, stop := withDeadline(ctx, opts.Deadline, sum)
	defer stop()
	// Two independent reads: made at once, one round trip instead of two.
	var (
		tabs     []Tab
		tabsErr  error
		tabsDone = make(chan struct{})
	)
	go func() {
		defer close(tabsDone)
		tabs, tabsErr = j.Sink.Tabs(ctx)
	}()
	states, err := j.Sink.LoadState(ctx)
	<-tabsDone
	if err != nil {
		return sum, fmt.Errorf("read sync state from the spreadsheet: %w", err)
	}
	if tabsErr != nil {
		return sum, fmt.Errorf("list the spreadsheet's tabs: %w", tabsErr)
	}
	places := j.place(states, tabs)
	ahead.wait(ctx)
	var errs []error
	for _, m := range mods {
		var ms ModuleSummary
		if interrupted(opts.Interrupt) {
			ms = ModuleSummary{Module: m.Module, Sheet: m.Sheet, Err: ErrInterrupted}
		} else if err := lease.Err(); err != nil {
			ms = ModuleSummary{Module: m.Module, Sheet: m.Sheet, Err: err}
		} else {
			ms = j.runModule(ctx, m, places[m.Sheet], opts)
		}
		ahead.charge(&ms)
		sum.Modules = append(sum.Modules, ms)
		if j.ModuleDone != nil {
			j.ModuleDone(ms)
		}
		if ms.Err != nil {
			errs = append(errs, &ModuleError{Module: m.Module, Sheet: m.Sheet, Err: ms.Err})
		}
	}
	j.writeStatus(ctx, sum)
	return sum, errors.Join(errs...)
}

// CheckSelection reports a name among names (RunOptions.Modules) that no
// entry of the job has, so a mistyped --module is refused before anything
// is read or written rather than failing the run.
func (j *Job) CheckSelection(names []string) error {
	_, err := j.selected(names)
	return err
}

func (j *Job) selected(names []string) ([]ModuleJob, error) {
	if len(names) == 0 {
		return j.Modules, nil
	}
	var out []ModuleJob
	for _, n := range names {
		// A module may feed several tabs: select them all.
		found := false
		for _, m := range j.Modules {
			if m.Module == n {
				out = append(out, m)
				found = true
			}
		}
		if !found {
			var known []string // a module feeding several tabs is named once
			for _, m := range j.Modules {
				if !slices.Contains(known, m.Module) {
					known = append(known, m.Module)
				}
			}
			hint := "use one of " + strings.Join(known, ", ") + " (module API names are case-sensitive)"
			if i := Closest(n, known); i >= 0 {
				hint = "did you mean " + known[i] + "? " + hint
			}
			return nil, &ConfigError{Where: "--module", Key: n, Msg: "not a module of the mapping", Hint: hint}
		}
	}
	return out, nil
}

func (j *Job) runModule(ctx context.Context, m ModuleJob, pl placement, opts RunOptions) (ms ModuleSummary) {
	start := j.now()
	st := pl.state
	ms = ModuleSummary{Module: m.Module, Sheet: m.Sheet, State: st, KeyHeader: keyHeader(m.Columns)}
	log := j.Logger.With().Str("module", m.Module).Str("sheet", m.Sheet).Logger()
	base := log // log gains the mode once it is known; the failure line adds it itself
	var src0, sink0, cred0 int
	delegated := false // a second runModule reported (and recorded) its own failure
	if j.Calls != nil {
		src0, sink0 = j.Calls()
	}
	if j.Credits != nil {
		cred0 = j.Credits()
	}
	defer func() {
		ms.Duration = j.now().Sub(start)
		if j.Calls != nil {
			src1, sink1 := j.Calls()
			ms.SourceCalls, ms.SinkRequests = src1-src0, sink1-sink0
		}
		if j.Credits != nil {
			ms.SourceCredits = j.Credits() - cred0
		}
		if ms.Err != nil && !delegated && errors.Is(ms.Err, ErrInterrupted) {
			// Asked to stop (SIGTERM, SIGINT): nothing to act on.
			base.Warn().Str("mode", string(ms.Mode)).Msg("module stopped on request before its write; the next run does it")
		} else if ms.Err != nil && !delegated {
			base.Error().Err(ms.Err).Str("mode", string(ms.Mode)).Msg("module failed")
			if !opts.DryRun {
				ms.State = j.recordFailure(ctx, st, m.Module, ms.Err)
			}
		}
	}()

	// Reading may be abandoned on interrupt: nothing has been written yet.
	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	if opts.Interrupt != nil {
		go func() {
			select {
			case <-opts.Interrupt:
				cancelRead()
			case <-readCtx.Done():
			}
		}()
	}

	for _, n := range pl.notes {
		j.note(&ms, log, n)
	}
	if pl.err != nil {
		ms.Err = pl.err
		return ms
	}
	// The field metadata comes first: the kinds it gives the columns are
	// part of what the tab is built from, which decides the mode.
	view, mapper, err := j.openView(readCtx, m, start)
	if err != nil {
		ms.Err = j.readErr(opts, err)
		return ms
	}
	j.decorate(readCtx, m.Module, mapper, log)
	spec := NewTabSpec(m, mapper.Columns(), j.Timezone, view.markText())
	spec.Filter, spec.Window = view.text, view.window
	change := CompareFingerprint(st.Fingerprint, spec)
	var why note
	ms.Mode, ms.Since, why = j.mode(m, st, opts, start, pl, change)
	if m.Snapshot != nil {
		ms.Mode, ms.Since = ModeFull, time.Time{} // a snapshot is of every record
	}
	if why.msg != "" {
		j.note(&ms, log, why)
	}
	log = log.With().Str("mode", string(ms.Mode)).Logger()
	if ms.Mode == ModeFull {
		log.Info().Msg("reading all records")
	} else {
		log.Info().Time("since", ms.Since).Msg("reading changed records")
	}
	if j.Progress != nil {
		j.Progress(Progress{Module: m.Module, Sheet: m.Sheet, Filtered: m.Filter != nil, Mode: ms.Mode})
	}
	table := &Table{
		Sheet: m.Sheet, Columns: mapper.Columns(), Key: mapper.Key(),
		Full: ms.Mode == ModeFull, OnDelete: m.OnDelete,
		MarkColumn: m.MarkColumn, MarkText: view.markText(), RecordURL: mapper.link,
	}
	if pl.match != TabMissing {
		table.SheetID, table.HasSheetID = pl.tab.ID, true
	}
	if table.Full {
		table.Reformat = change.Reformat
	}
	if m.Snapshot != nil {
		table.Full, table.Snapshot = false, m.Snapshot.table(start, j.Timezone)
	}
	cursor := st.Cursor
	// A big module's read takes minutes, and what changes meanwhile may
	// sort before the newest record passed on: a record read early, then
	// changed or deleted (a full read goes by id; a Bulk Read tail is
	// exported after the chain). The cursor stays at the read's start, so
	// the next run's window (less the overlap) covers those changes.
	readStart := j.now()
	changed, err := j.changedIDs(readCtx, m.Module, view, ms.Since)
	if err != nil {
		ms.Err = j.readErr(opts, err)
		return ms
	}
	ro := view.read(ReadOptions{Fields: mapper.Fields(), Since: ms.Since})
	for rec, err := range j.Source.Records(readCtx, m.Module, ro) {
		if err != nil {
			ms.Err = j.readErr(opts, fmt.Errorf("read records: %w", err))
			return ms
		}
		table.Append(mapper.Row(rec))
		if rec.Modified.After(cursor) {
			cursor = rec.Modified
		}
		ms.Read++
		if j.Progress != nil && ms.Read%ProgressEvery == 0 {
			j.Progress(Progress{Module: m.Module, Sheet: m.Sheet, Filtered: m.Filter != nil, Mode: ms.Mode, Read: ms.Read})
		}
	}
	if j.Progress != nil {
		j.Progress(Progress{Module: m.Module, Sheet: m.Sheet, Filtered: m.Filter != nil, Mode: ms.Mode, Read: ms.Read, Done: true})
	}
	if n := left(changed, table); n > 0 {
		log.Info().Int("records", n).Msg("changed records no longer match the filter: their rows leave the tab per on_delete")
	}
	deletedSince := ms.Since
	// An empty read where the tab held rows is far more often a permission
	// or API change than a CRM emptied overnight; a view may rightly match
	// nothing, though.
	if ms.Read == 0 && st.Rows > 0 {
		switch {
		case table.Snapshot != nil && view.text == "":
			// An empty snapshot would replace this period's rows.
			ms.Err = fmt.Errorf("the read returned no records where the last snapshot had %d: no snapshot written", st.Rows)
			return ms
		case table.Snapshot == nil && ms.Mode == ModeFull && !view.moves && !slices.Contains(change.Settings, SettingFilter):
			// A full reconcile would delete every row (and the notes people
			// keep on them), so only records Zoho lists as deleted are
			// removed. (A filter just edited, or whose dates moved, may
			// match nothing.)
			log.Warn().Int("rows_last_run", st.Rows).
				Msg("full read returned no records: not reconciling; only records listed as deleted are removed")
			table.Full = false
			deletedSince = st.LastFull
		}
	}
	if !table.Full && table.Snapshot == nil {
		for d, err := range j.Source.Deleted(readCtx, m.Module, deletedSince) {
			if err != nil {
				ms.Err = j.readErr(opts, fmt.Errorf("read deleted records: %w", err))
				return ms
			}
			table.Deleted = append(table.Deleted, d.ID)
			ms.Deleted++
		}
	}
	if interrupted(opts.Interrupt) {
		ms.Err = ErrInterrupted
		return ms
	}
	if cursor.After(readStart) {
		cursor = readStart
	}
	// A --since window that starts after where an incremental run would
	// start did not read the records modified in between: keep the cursor,
	// or every later incremental run skips them (and a module never synced
	// keeps no cursor, so its first full run still comes).
	if ms.Mode == ModeSince && (st.Cursor.IsZero() || ms.Since.After(st.Cursor.Add(-j.overlap()))) {
		cursor = st.Cursor
	}

	// From here on the write runs to completion on the caller's context:
	// an interrupt never leaves a half-written tab.
	uo := UpsertOptions{DryRun: opts.DryRun}
	if opts.DryRun {
		uo.DiffLimit = opts.DiffLimit
	}
	res, err := j.Sink.Upsert(ctx, table, uo)
	if missing := (*ColumnsMissingError)(nil); errors.As(err, &missing) && ms.Mode != ModeFull {
		// A person renamed or deleted a column the mapping fills: it goes
		// back filled for every record, in this run.
		msg := missing.Error() + ": adding it back → full read"
		if missing.Emptied {
			msg = missing.Error() + " → full read"
		}
		j.note(&ms, log, note{warn: true, msg: msg})
		o, p := opts, pl
		o.Full, p.notes = true, nil
		again := j.runModule(ctx, m, p, o)
		again.Notes = append(ms.Notes, again.Notes...)
		delegated = true
		return again
	}
	ms.Result = res
	if err != nil {
		ms.Err = err // the sink's error names the tab (see Sink.Upsert)
		return ms
	}
	ms.Cursor = cursor
	if opts.DryRun {
		log.Info().Int("read", ms.Read).Int("would_add", res.Added).Int("would_update", res.Updated).
			Int("would_remove", res.Removed).Int("would_mark", res.Marked).Msg("dry run: nothing written")
		return ms
	}
	// The cursor advances only now that the write succeeded.
	st.Module, st.Sheet = m.Module, m.Sheet
	st.Cursor = cursor
	if res.Tab.Title != "" {
		if pl.match != TabMissing && res.Tab.ID == pl.tab.ID && res.Tab.Title != pl.tab.Title {
			j.note(&ms, log, note{warn: true, msg: fmt.Sprintf("tab renamed to %q while the run wrote it: following it", res.Tab.Title)})
		}
		st.SheetID, st.SheetTitle = res.Tab.ID, res.Tab.Title
	}
	if table.Full || table.Snapshot != nil || !change.NeedsFull() {
		// A snapshot run reads every record too (it is never Full: it
		// appends rather than mirrors).
		st.Fingerprint = spec.Fingerprint()
	}
	if res.Created && !table.Full && table.Snapshot == nil {
		// The tab vanished after the run looked for it: it now holds only
		// the records read. Forget the cursor so the next run reads all.
		// (A snapshot reads every record and is never Full: a new history
		// tab is simply its first snapshot.)
		st.Cursor = time.Time{}
		j.note(&ms, log, note{warn: true, msg: fmt.Sprintf("tab %q was deleted during the run and recreated with the changed records only; the next run reads in full", m.Sheet)})
	}
	st.LastRun = start
	st.LastStatus = "ok"
	st.LastError = ""
	st.LastOK, st.FailedSince = start, time.Time{}
	if ms.Mode == ModeFull {
		st.LastFull = start
		st.Rows = table.Len()
		if table.Full || table.Snapshot != nil {
			// A record read twice (changed while a long read went on, e.g.
			// between a page-token chain and its Bulk Read tail) is one row
			// (a snapshot's rows are all Added).
			st.Rows = res.Added + res.Updated + res.Unchanged
		}
	} else {
		st.Rows += res.Added - res.Removed
	}
	ms.State = st
	if err := j.Sink.SaveState(ctx, st); err != nil {
		ms.Err = fmt.Errorf("save sync state (the tab was written; the next run re-reads the same window): %w", err)
		return ms
	}
	log.Info().Int("read", ms.Read).Int("added", res.Added).Int("updated", res.Updated).
		Int("removed", res.Removed).Int("marked", res.Marked).Int("unchanged", res.Unchanged).
		Time("cursor", cursor).Msg("module synced")
	return ms
}

// readErr turns a read aborted by an interrupt into ErrInterrupted.
func (j *Job) readErr(opts RunOptions, err error) error {
	if interrupted(opts.Interrupt) && errors.Is(err, context.Canceled) {
		return ErrInterrupted
	}
	return err
}

// recordFailure stores the failure in the tab's state (st.Sheet), leaving
// its cursor where it was, and returns the state. It is best effort: the
// sheet may be what failed.
func (j *Job) recordFailure(ctx context.Context, st ModuleState, module string, err error) ModuleState {
	st.Module = module
	st.LastRun = j.now()
	if st.FailedSince.IsZero() || st.LastStatus != "failed" {
		st.FailedSince = st.LastRun
	}
	st.LastStatus = "failed"
	st.LastError = err.Error()
	if len(st.LastError) > 500 {
		cut := 500
		for cut > 0 && !utf8.RuneStart(st.LastError[cut]) {
			cut-- // never half a character
		}
		st.LastError = st.LastError[:cut]
	}
	if serr := j.Sink.SaveState(ctx, st); serr != nil {
		j.Logger.Debug().Err(serr).Str("module", module).Str("sheet", st.Sheet).Msg("could not record the failure in the sync state")
	}
	return st
}

// keyHeader is the header of the column that maps the record id.
func keyHeader(cols []ColumnSpec) string {
	for _, c := range cols {
		if c.Field == KeyField {
			return strings.TrimSpace(c.Header)
		}
	}
	return ""
}

// mode decides how the tab is read, and says why when the reason is
// something that happened around the sync (a deleted tab, a mapping edit)
// rather than the schedule or the command line.
func (j *Job) mode(m ModuleJob, st ModuleState, opts RunOptions, now time.Time, pl placement, ch SpecChange) (Mode, time.Time, note) {
	var mapping note
	if !ch.None() && !ch.Unknown {
		mapping.msg = "mapping changed: " + ch.String()
		if ch.WindowOnly() {
			mapping.msg = ch.String()
		}
	}
	switch {
	case opts.Full:
		return ModeFull, time.Time{}, mapping
	case !opts.Since.IsZero():
		if ch.NeedsFull() && mapping.msg != "" {
			mapping.msg += "; the next run without --since reads in full"
		}
		return ModeSince, opts.Since, mapping
	case st.Cursor.IsZero():
		return ModeFull, time.Time{}, mapping
	case pl.match == TabMissing:
		return ModeFull, time.Time{}, note{msg: "tab recreated → full read"}
	case pl.replaced:
		return ModeFull, time.Time{}, note{msg: "another tab in place of the one the sync built → full read"}
	case ch.Unknown:
		// A state without a fingerprint (written before per-tab state)
		// cannot vouch for the tab's cells: that version filled columns
		// added to the mapping only for records changed since, and the
		// mapping may have been edited with the upgrade. One full read,
		// which writes only differing cells, is the safe price.
		return ModeFull, time.Time{}, note{msg: "sync state from an older version does not say which mapping built the tab → full read (once)"}
	case ch.NeedsFull():
		mapping.msg += " → full read"
		return ModeFull, time.Time{}, mapping
	case m.FullEvery > 0 && now.Sub(st.LastFull) >= m.FullEvery:
		return ModeFull, time.Time{}, mapping
	}
	return ModeIncremental, st.Cursor.Add(-j.overlap()), mapping
}

func (j *Job) overlap() time.Duration {
	if j.Overlap == 0 {
		return DefaultOverlap
	}
	return j.Overlap
}

func (j *Job) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func interrupted(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}
