package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Filter is a view's condition as the user wrote it (`filter:` in
// mapping.yaml), parsed; package filter implements it. A tab with a filter
// holds only the records that match it, and keeps holding exactly those as
// records change and relative dates move.
type Filter interface {
	// String is the condition as written; it is part of the tab's
	// fingerprint.
	String() string
	// Paths lists the field paths the condition reads.
	Paths() []string
	// Moves reports whether the condition uses relative dates, so that
	// its meaning changes with time even when no record does.
	Moves() bool
	// Criteria counts the condition's criteria (COQL allows 25 a query).
	Criteria() int
	// Bind checks the condition against the module's metadata.
	Bind(Schema) (Condition, error)
}

// Condition is a Filter checked against a module's metadata.
type Condition interface {
	// Where renders the condition in COQL WHERE syntax with every
	// relative date resolved at now, in now's location.
	Where(now time.Time) string
	// Match evaluates the condition on a record at now.
	Match(r Record, now time.Time) bool
}

// ViewMarkText fills the mark column (on_delete: mark) of a filtered tab's
// rows whose record left the view, or was deleted: both are no longer in it.
const ViewMarkText = "no longer in this view"

// maxWhereCriteria is how many criteria a Where may hold: COQL's 25 less
// the 3 the reader adds (its Modified_Time window and key paging).
const maxWhereCriteria = 22

// view is how one run of a tab reads its records when the tab has a
// filter or columns of related records.
//
// Which records are in the view is always decided by the CRM (the filter is
// sent as COQL), never by re-evaluating it here, so that the tab agrees
// with Zoho's own reading of the condition (case, wildcards, picklists).
//
//   - A full read sends the filter: only matching records come back, and
//     the reconcile removes (or marks) the rows of all others.
//   - An incremental read sends the filter and the change window; a second,
//     id-only read of the same window without the filter lists every
//     record that changed: those the filtered read did not return have left
//     the view and go to Table.Deleted, which applies on_delete.
//   - A related record's change (the account's Industry) reaches the rows
//     that show it: the window is "Modified_Time >= since or
//     Account_Name.Modified_Time >= since", one term per lookup read
//     through.
//   - A relative date (today - 90d) moves without any record changing:
//     the resolved condition is part of the tab's fingerprint (TabSpec
//     Window), so a run whose condition differs from the last write's
//     reads the view in full, which drops the rows that aged out and adds
//     those that aged in. An id-only query to find them would cost as many
//     calls: COQL returns 2,000 rows a call whatever the columns.
type view struct {
	cond      Condition // nil: no filter
	text      string    // the filter as written
	where     string    // the condition at this run ("" without a filter)
	window    string    // where, when the filter has relative dates
	moves     bool
	relations []string // lookups whose records' changes reach the rows
}

// openView loads the metadata of the module and of the modules its paths
// reach, builds the mapper, and binds the filter.
func (j *Job) openView(ctx context.Context, m ModuleJob, now time.Time) (*view, *Mapper, error) {
	paths := make([]string, 0, len(m.Columns))
	for _, c := range m.Columns {
		paths = append(paths, c.Field)
	}
	if m.Filter != nil {
		paths = append(paths, m.Filter.Paths()...)
	}
	watch := slices.Clone(paths)
	for _, c := range m.Columns {
		// A lookup's name is its record's: load that module's metadata too,
		// to watch its Modified_Time (a path that leads nowhere is ignored).
		watch = append(watch, c.Field+".Modified_Time")
	}
	schema, err := LoadSchema(ctx, j.Source, m.Module, watch)
	if err != nil {
		// A related module whose metadata cannot be read only stops the
		// watching of its names; the columns need no more than before.
		schema, err = LoadSchema(ctx, j.Source, m.Module, paths)
	}
	if err != nil {
		return nil, nil, m.locate(err)
	}
	mapper, err := NewSchemaMapper(m.Columns, schema)
	if err != nil {
		return nil, nil, m.locate(err)
	}
	v := &view{relations: mapper.Relations()}
	criteria := 0
	if m.Filter != nil {
		if v.cond, err = m.Filter.Bind(schema); err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				return nil, nil, err // already says where: mapping.yaml:12: modules[2].filter: …
			}
			return nil, nil, fmt.Errorf("filter: %w", err)
		}
		v.text = m.Filter.String()
		v.where = v.cond.Where(now.In(j.zone()))
		if v.moves = m.Filter.Moves(); v.moves {
			v.window = v.where
		}
		criteria = m.Filter.Criteria()
		for _, p := range m.Filter.Paths() {
			if fp, err := schema.Resolve(p); err == nil {
				for _, r := range fp.Relations {
					v.addRelation(r)
				}
			}
		}
	}
	// Only lookups whose module has a Modified_Time can say they changed,
	// and the window must fit in COQL's criteria with the filter.
	var rels []string
	for _, r := range v.relations {
		if _, err := schema.Resolve(r + ".Modified_Time"); err == nil {
			rels = append(rels, r)
		}
	}
	if len(rels) > 0 && criteria+1+len(rels) > maxWhereCriteria {
		j.Logger.Warn().Str("sheet", m.Sheet).Strs("lookups", rels).
			Msg("the filter leaves no room in COQL's 25 criteria to watch related records: their changes reach the tab at the next full read")
		rels = nil
	}
	v.relations = rels
	return v, mapper, nil
}

func (v *view) addRelation(r string) {
	if !slices.Contains(v.relations, r) {
		v.relations = append(v.relations, r)
	}
}

// read returns the read of the run's records: base (the mapped fields and
// the window) with the filter and, for an incremental read, the related
// records' changes.
func (v *view) read(base ReadOptions) ReadOptions {
	ro := base
	window := v.changeWindow(base.Since)
	switch {
	case window != "" && v.where != "":
		ro.Since, ro.Where = time.Time{}, "("+v.where+") and "+window
	case window != "":
		ro.Since, ro.Where, ro.WindowSince = time.Time{}, window, base.Since
	default:
		ro.Where = v.where
	}
	return ro
}

// changeWindow is the incremental window as a COQL condition when related
// records are watched ("" when the reader's own Since does).
func (v *view) changeWindow(since time.Time) string {
	if since.IsZero() || len(v.relations) == 0 {
		return ""
	}
	at := "'" + since.UTC().Format("2006-01-02T15:04:05-07:00") + "'"
	terms := []string{"Modified_Time >= " + at}
	for _, r := range v.relations {
		terms = append(terms, r+".Modified_Time >= "+at)
	}
	// COQL wants more than two conditions bracketed pairwise.
	acc := terms[0]
	for _, t := range terms[1:] {
		acc = "(" + acc + " or " + t + ")"
	}
	return acc
}

// changedIDs lists every record changed in an incremental window, whether
// or not it matches the filter: an id-only read of the window without the
// filter (nil without a filter or for a full read). It runs before the
// filtered read, so that a record changed in between is in that read if it
// matches, and never taken for one that left.
func (j *Job) changedIDs(ctx context.Context, module string, v *view, since time.Time) ([]string, error) {
	if v.cond == nil || since.IsZero() {
		return nil, nil
	}
	ro := ReadOptions{Since: since}
	if w := v.changeWindow(since); w != "" {
		ro = ReadOptions{Where: w}
	}
	var ids []string
	for rec, err := range j.Source.Records(ctx, module, ro) {
		if err != nil {
			return nil, fmt.Errorf("read the ids of changed records: %w", err)
		}
		ids = append(ids, rec.ID)
	}
	return ids, nil
}

// left adds to table.Deleted the changed records the filtered read did not
// return: they no longer match, and on_delete removes, keeps or marks
// their rows. It returns how many.
func left(changed []string, table *Table) int {
	if len(changed) == 0 {
		return 0
	}
	read := make(map[string]bool, table.Len())
	for i := range table.Len() {
		read[table.RowKey(i)] = true
	}
	n := 0
	for _, id := range changed {
		if !read[id] {
			table.Deleted = append(table.Deleted, id)
			n++
		}
	}
	return n
}

// markText is what the mark column says for a row whose record is gone.
func (v *view) markText() string {
	if v.cond != nil {
		return ViewMarkText
	}
	return MarkText
}

// zone is where a filter's relative dates (today, start_of_month) are
// resolved: the zone the tab's datetimes are shown in (the mapping's
// timezone, else the spreadsheet's), else UTC.
func (j *Job) zone() *time.Location {
	if loc, err := time.LoadLocation(j.Timezone); err == nil && j.Timezone != "" {
		return loc
	}
	return time.UTC
}
