package sync_test

import (
	"context"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func TestPeriodStartInTheMappingsZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	d := func(y int, m time.Month, day int) zsync.Date { return zsync.Date{Year: y, Month: m, Day: day} }
	for _, tt := range []struct {
		p    zsync.Period
		at   time.Time
		want zsync.Date
	}{
		{zsync.PeriodDay, time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC), d(2026, 12, 7)},  // 00:30 in Berlin
		{zsync.PeriodWeek, time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC), d(2026, 11, 30)}, // a Sunday
		{zsync.PeriodWeek, time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC), d(2026, 12, 7)}, // Monday in Berlin
		{zsync.PeriodWeek, time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), d(2026, 12, 28)},  // ISO week 53 of 2026
	} {
		if got := tt.p.Start(tt.at, berlin); got != tt.want {
			t.Errorf("%s of %s: %v, want %v", tt.p, tt.at, got, tt.want)
		}
	}
}

func TestJobSnapshotModule(t *testing.T) {
	now := time.Date(2026, 12, 9, 8, 0, 0, 0, time.UTC) // a Wednesday
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", now.Add(-time.Hour)), rec("2", now.Add(-2*time.Hour))}}}
	sink := &fakeSink{states: map[string]zsync.ModuleState{"Leads": {Module: "Leads", Sheet: "Leads", Cursor: now.Add(-time.Minute), LastStatus: "ok", Rows: 2}}}
	job := newJob(src, sink, &now)
	job.Modules = job.Modules[:1]
	job.Modules[0].Snapshot = &zsync.SnapshotSpec{Every: zsync.PeriodWeek, KeepDays: 26 * 7}
	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tb := sink.tables[len(sink.tables)-1]
	want := &zsync.SnapshotTable{Date: zsync.Date{Year: 2026, Month: time.December, Day: 7}, Cutoff: zsync.Date{Year: 2026, Month: time.June, Day: 15}}
	if tb.Snapshot == nil || *tb.Snapshot != *want || tb.Full || tb.Len() != 2 || sum.Modules[0].Mode != zsync.ModeFull {
		t.Fatalf("table %+v snapshot %+v mode %s", tb, tb.Snapshot, sum.Modules[0].Mode)
	}
	if len(src.delSince) != 0 {
		t.Fatal("a snapshot read deletions")
	}
	// An empty read where the last snapshot had rows writes nothing.
	src.records["Leads"] = nil
	n := len(sink.tables)
	if _, err := job.Run(context.Background(), zsync.RunOptions{}); err == nil || len(sink.tables) != n {
		t.Fatalf("empty snapshot: err %v, %d upserts", err, len(sink.tables)-n)
	}
}

func TestSnapshotGrowth(t *testing.T) {
	weekly := &zsync.SnapshotSpec{Every: zsync.PeriodWeek}
	g := weekly.Project(10_000, 12, 1_000_000) // 120,000 cells a week
	if g.PerSnapshot != 120_000 || g.Periods != 75 || g.Warn {
		t.Fatalf("weekly without keep: %+v", g)
	}
	daily := &zsync.SnapshotSpec{Every: zsync.PeriodDay}
	if g := daily.Project(10_000, 12, 1_000_000); g.Periods != 75 || !g.Warn {
		t.Fatalf("daily without keep: %+v", g)
	}
	kept := &zsync.SnapshotSpec{Every: zsync.PeriodWeek, KeepDays: 26 * 7}
	if g := kept.Project(10_000, 12, 1_000_000); g.Steady != 1_000_000+26*120_000 || g.Warn || g.Periods != -1 {
		t.Fatalf("weekly keep 26w: %+v", g)
	}
	if g := kept.Project(100_000, 12, 1_000_000); !g.Warn || g.Steady <= zsync.CellLimit {
		t.Fatalf("too big for keep 26w: %+v", g)
	}
}
