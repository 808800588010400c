package sync_test

import (
	"context"
	"strings"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// missingSink answers an incremental upsert of Leads as a tab a person
// took a column from does: ColumnsMissingError, nothing written.
type missingSink struct{ fakeSink }

func (s *missingSink) Upsert(ctx context.Context, t *zsync.Table, o zsync.UpsertOptions) (zsync.UpsertResult, error) {
	if t.Sheet == "Leads" && !t.Full {
		s.tables = append(s.tables, t)
		return zsync.UpsertResult{}, &zsync.ColumnsMissingError{Headers: []string{"Name"}}
	}
	return s.fakeSink.Upsert(ctx, t, o)
}

// A column the mapping fills is gone from the tab: the run reads every
// record and writes the tab in full, in the same run, says why, and
// records no failure.
func TestJobRefillsAColumnAPersonRemoved(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{
		"Leads": {rec("1", t0.Add(-72*time.Hour)), rec("2", t0.Add(-time.Hour))},
	}}
	old := zsync.ModuleState{Module: "Leads", Cursor: t0.Add(-48 * time.Hour), LastFull: t0.Add(-48 * time.Hour)}
	sink := &missingSink{fakeSink{tabs: bothTabs(), states: map[string]zsync.ModuleState{"Leads": synced(t, old)}}}
	job := newJob(src, &sink.fakeSink, &now)
	job.Sink = sink
	job.Modules = job.Modules[:1]
	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms := sum.Modules[0]
	if ms.Mode != zsync.ModeFull || ms.Read != 2 || len(sink.tables) != 2 || !sink.tables[1].Full || sink.tables[1].Len() != 2 {
		t.Fatalf("mode %s read %d, tables %d: want the incremental attempt, then a full table of both records", ms.Mode, ms.Read, len(sink.tables))
	}
	if len(ms.Notes) == 0 || !strings.Contains(ms.Notes[0], `no column "Name"`) || !strings.Contains(ms.Notes[0], "full read") {
		t.Fatalf("notes %q", ms.Notes)
	}
	if st := sink.states["Leads"]; st.LastStatus != "ok" || !st.LastFull.Equal(now) || sink.saves != 1 {
		t.Fatalf("state %+v after %d saves", st, sink.saves)
	}
}
