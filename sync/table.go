package sync

import (
	"context"
	"errors"

	"iter"
	"time"
)

// OnDelete says what happens to the row of a record deleted in the CRM.
type OnDelete string

const (
	OnDeleteRemove OnDelete = "remove" // delete the row (default)
	OnDeleteKeep   OnDelete = "keep"   // leave the row as it is
	OnDeleteMark   OnDelete = "mark"   // keep the row and fill the mark column
)

// Column is one column the mapping owns in a tab.
type Column struct {
	Header string
	// Kind is the type the column's cells are written as; the sheets package
	// uses it to format the column (date and datetime columns get a date format).
	Kind Kind
	// Format is the column's number format from the field's metadata or
	// the mapping's format key (zero: only the date format of its Kind).
	// The sink applies it when the column is created or its format
	// changes, never over a format a person set later.
	Format NumberFormat
	// Link makes each cell a link to its record in the CRM (the cells'
	// Cell.Link); written as a cell link, never as a formula.
	Link bool
}

// Row is one record's cells, in the order of Table.Columns.
type Row struct {
	Key   string // the record id, also the key column's text
	Cells []Cell
}

// Table is what one module's run asks a sink to make true in one tab.
type Table struct {
	Sheet string // tab title
	// SheetID, when HasSheetID, is the sheetId of the tab: the tab is
	// found by it first (a person may have renamed it), then by Sheet.
	SheetID    int64
	HasSheetID bool
	Columns    []Column // owned columns, in mapping order
	Key        int      // index in Columns of the key (Zoho id) column

	// Rows are the records to insert or update, keyed by Row.Key. Rows
	// added with Append are held apart, packed; Len and Row see both.
	Rows   []Row
	packed rowStore
	// Deleted are keys of records deleted in the CRM.
	Deleted []string
	// Full means Rows is every record of the module: a row in the tab whose
	// key is not in Rows is treated as deleted.
	Full bool

	// Reformat are headers of columns whose kind changed to or from date
	// or datetime: their number format is set again on every data row.
	Reformat []string

	OnDelete OnDelete
	// MarkColumn is the header of the column filled with MarkText for rows of
	// deleted records when OnDelete is mark.
	MarkColumn string
	MarkText   string

	// Snapshot, when set, makes the tab a history: Rows are appended as
	// the current period's snapshot (see SnapshotTable); Full, Deleted and
	// OnDelete do not apply.
	Snapshot *SnapshotTable

	// RecordURL, when set, gives the CRM address of any record by id, for
	// link columns on rows not in Rows (an incremental run that links a
	// column for the first time); rows in Rows use their cells' Link.
	RecordURL func(id string) string
}

// Append adds a row, packed: a table of a whole module holds a quarter of
// the memory of Rows. Read it back with Row.
func (t *Table) Append(r Row) { t.packed.add(r) }

// Len is the number of rows: Rows, then the appended ones.
func (t *Table) Len() int { return len(t.Rows) + t.packed.len() }

// Row returns row i of Len, Rows first. The cells of an appended row are
// decoded into buf (reused when large enough); its strings share the
// table's memory and its times are in UTC.
func (t *Table) Row(i int, buf []Cell) Row {
	if i < len(t.Rows) {
		return t.Rows[i]
	}
	return t.packed.row(i-len(t.Rows), buf)
}

// RowKey returns the key of row i of Len, without decoding its cells.
func (t *Table) RowKey(i int) string {
	if i < len(t.Rows) {
		return t.Rows[i].Key
	}
	return t.packed.key(i - len(t.Rows))
}

// UpsertOptions tunes one Sink.Upsert call.
type UpsertOptions struct {
	// DryRun plans the change and reports it without writing anything.
	DryRun bool
	// DiffLimit, when positive, makes the result carry a Diff listing at
	// most this many added rows, removed rows and changed cells each.
	DiffLimit int
}

// UpsertResult reports what an upsert changed (or, in a dry run, would change).
type UpsertResult struct {
	Added, Updated, Removed, Marked, Unchanged int
	CellsWritten                               int
	Requests                                   int // write requests sent
	// Diff previews the change (nil unless UpsertOptions.DiffLimit > 0).
	Diff *Diff

	// Tab is the tab written (zero in a dry run of a tab that does not
	// exist); Created says the upsert had to create it.
	Tab     Tab
	Created bool
}

// Diff is a bounded preview of an upsert's change, for a dry run to show.
// Each list stops at the limit asked for; the counts in UpsertResult say
// how many there are in all.
type Diff struct {
	Added   []string     // record ids of rows added
	Removed []string     // record ids (key cells) of rows removed
	Changes []CellChange // cells of existing rows whose value changes
	// MoreChanges counts the changed cells left out of Changes.
	MoreChanges int
}

// CellChange is one cell of an existing row that changes, values shown as
// a person reads them (dates as dates, "" for an empty cell).
type CellChange struct {
	Key      string // record id of the row
	Column   string // the column's header
	Old, New string
}

// Add sums the counts of two results.
func (r UpsertResult) Add(o UpsertResult) UpsertResult {
	return UpsertResult{
		Added: r.Added + o.Added, Updated: r.Updated + o.Updated,
		Removed: r.Removed + o.Removed, Marked: r.Marked + o.Marked,
		Unchanged: r.Unchanged + o.Unchanged, CellsWritten: r.CellsWritten + o.CellsWritten,
		Requests: r.Requests + o.Requests,
	}
}

// ModuleState is the sync state of one tab, kept in the spreadsheet so a
// stateless runner needs no other storage. It is keyed by Sheet, the tab
// title the mapping configures, so one module may feed several tabs.
type ModuleState struct {
	Module string `json:"module"`
	// Sheet is the configured tab title; empty in a state written by a
	// version that kept one state per module (see LegacyStateKey).
	Sheet string `json:"sheet,omitempty"`
	// SheetID is the sheetId of the tab last written, valid when
	// SheetTitle is set; SheetTitle is the tab's title then (it differs
	// from Sheet once a person renamed the tab).
	SheetID    int64  `json:"sheet_id"`
	SheetTitle string `json:"sheet_title,omitempty"`
	// Fingerprint summarises what the tab's cells were built from
	// (TabSpec.Fingerprint); empty when unknown.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Cursor is the newest Modified_Time written; the next incremental run
	// reads records modified since Cursor minus an overlap.
	Cursor time.Time `json:"cursor"`
	// LastFull is when the last full reconcile finished.
	LastFull time.Time `json:"last_full"`
	// LastRun, LastStatus and LastError describe the last run.
	LastRun    time.Time `json:"last_run"`
	LastStatus string    `json:"last_status"`
	LastError  string    `json:"last_error,omitempty"`
	Rows       int       `json:"rows"`
	// LastOK is when the last successful run started; FailedSince when the
	// current run of failures began (zero while runs succeed). The status
	// tab shows both.
	LastOK      time.Time `json:"last_ok,omitzero"`
	FailedSince time.Time `json:"failed_since,omitzero"`
}

// HasSheetID reports whether the state knows the tab's sheetId.
func (s ModuleState) HasSheetID() bool { return s.SheetTitle != "" }

// LegacyStateKey is the key under which Sink.LoadState returns a state
// stored by a version that kept one state per module (Sheet is empty). The
// job hands it to the module's first tab, and SaveState of any tab of the
// module removes it: it is migrated, not lost.
func LegacyStateKey(module string) string { return "\x00module " + module }

// ReadOptions selects the records a Source reads.
type ReadOptions struct {
	// Fields are the API names to read; "id" and "Modified_Time" are always read.
	Fields []string
	// Since, when not zero, limits the read to records modified after it.
	Since time.Time
	// Where, when not empty, is a condition in COQL WHERE syntax with
	// literal values ("Stage not in ('Closed Won') and Amount >= 10000");
	// the reader ANDs it with its own conditions. Fields and Where may use
	// related paths through up to two lookups ("Account_Name.Industry").
	Where string
	// WindowSince is set when Where is only an incremental change window
	// (records changed, or whose related records changed, since it): a
	// reader that cannot query with Where reads the records modified since
	// WindowSince instead, and related records' changes wait for a full read.
	WindowSince time.Time
}

// Source reads a CRM. zoho.Client implements it.
type Source interface {
	// Modules lists the modules of the CRM.
	Modules(ctx context.Context) ([]Module, error)
	// Fields returns the field metadata of a module. Its errors name the
	// module and say that its fields were being read (LoadSchema adds
	// nothing).
	Fields(ctx context.Context, module string) ([]Field, error)
	// Records streams a module's records, each once, in an order of the
	// source's choosing.
	Records(ctx context.Context, module string, opts ReadOptions) iter.Seq2[Record, error]
	// Deleted streams the records of a module deleted since a time.
	Deleted(ctx context.Context, module string, since time.Time) iter.Seq2[Deletion, error]
}

// Sink writes tables and keeps sync state. sheets.Writer implements it.
// A job calls LoadState and Tabs at the same time; nothing else at once.
type Sink interface {
	// Upsert makes the tab named by t.Sheet agree with t. Its errors say
	// that they are about writing that tab (the job adds only the module).
	Upsert(ctx context.Context, t *Table, opts UpsertOptions) (UpsertResult, error)
	// LoadState returns the stored state of every tab, keyed by
	// ModuleState.Sheet (tabs never synced are absent), and states of the
	// older per-module format under LegacyStateKey(module).
	LoadState(ctx context.Context) (map[string]ModuleState, error)
	// SaveState stores one tab's state under st.Sheet, and removes the
	// legacy per-module state of st.Module if there is one.
	SaveState(ctx context.Context, st ModuleState) error
	// Tabs lists the tabs of the spreadsheet.
	Tabs(ctx context.Context) ([]Tab, error)
}

// ConfigError is a problem with the user's configuration or environment.
// It names where the problem is and how to fix it; main exits 2 on it.
type ConfigError struct {
	Where string // "mapping.yaml:12", "ZOHO_CLIENT_ID", …
	Key   string // key path, e.g. modules[1].columns[3].type (may be empty)
	Msg   string
	Hint  string
}

func (e *ConfigError) Error() string {
	s := e.Where
	if e.Key != "" {
		s += ": " + e.Key
	}
	s += ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// HintError is an error that carries a fix a human can act on. Adapters
// return errors implementing it for failures with a known cause, and alerts
// and the run summary show the hint.
type HintError interface {
	error
	Hint() string
}

// Hint returns the fix hint of the first error in err's chain that has one.
func Hint(err error) string {
	var h HintError
	if errors.As(err, &h) {
		return h.Hint()
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce.Hint
	}
	return ""
}
