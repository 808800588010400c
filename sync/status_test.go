package sync_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func TestStatusesKeepTheStartOfAFailureStreak(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0.Add(-time.Hour))}, "Deals": {rec("9", t0.Add(-time.Hour))}}}
	sink := &fakeSink{states: map[string]zsync.ModuleState{}}
	job := newJob(src, sink, &now)
	run := func() []zsync.TabStatus {
		sum, _ := job.Run(context.Background(), zsync.RunOptions{})
		return sum.Statuses(time.UTC, now.Add(24*time.Hour))
	}
	st := run()
	if len(st) != 2 || !st[0].OK || st[0].Result != "ok" || !st[0].LastSuccess.Equal(t0) || st[0].Records != 1 || st[0].KeyHeader != "Zoho ID" {
		t.Fatalf("first run %+v", st)
	}
	sink.failWrite = map[string]error{"Leads": errors.New("quota exceeded")}
	for i, at := range []time.Time{t0.Add(time.Hour), t0.Add(2 * time.Hour)} {
		now = at
		st = run()
		want := "failed since " + t0.Add(time.Hour).Format("2006-01-02 15:04") + ": "
		if st[0].OK || !strings.HasPrefix(st[0].Result, want) || !strings.Contains(st[0].Result, "quota exceeded") {
			t.Fatalf("failing run %d: %q, want prefix %q", i, st[0].Result, want)
		}
		if !st[0].LastSuccess.Equal(t0) || !st[1].OK {
			t.Fatalf("failing run %d: %+v", i, st)
		}
	}
	sink.failWrite = nil
	now = t0.Add(3 * time.Hour)
	if st = run(); st[0].Result != "ok" || !st[0].LastSuccess.Equal(now) || !sink.states["Leads"].FailedSince.IsZero() {
		t.Fatalf("recovered: %+v %+v", st[0], sink.states["Leads"])
	}
	sum, _ := job.Run(context.Background(), zsync.RunOptions{DryRun: true})
	if sum.Statuses(time.UTC, time.Time{}) != nil {
		t.Fatal("a dry run has status rows")
	}
}

type countingOrg struct{ orgs, links int }

func (o *countingOrg) Org(context.Context) (zsync.Org, error) {
	o.orgs++
	return zsync.Org{CurrencyCode: "EUR", CurrencySymbol: "€"}, nil
}

func (o *countingOrg) RecordURL(context.Context, string) (func(string) string, error) {
	o.links++
	return func(id string) string { return "https://crm.zoho.eu/crm/org1/tab/Leads/" + id }, nil
}

func TestOrgIsReadOnlyWhenAColumnNeedsIt(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0)}, "Deals": {rec("9", t0)}}}
	sink := &fakeSink{states: map[string]zsync.ModuleState{}}
	job := newJob(src, sink, &now)
	org := &countingOrg{}
	job.Org = org
	if _, err := job.Run(context.Background(), zsync.RunOptions{}); err != nil || org.orgs != 0 || org.links != 0 {
		t.Fatalf("no currency or link column: %v, %d org reads, %d link reads", err, org.orgs, org.links)
	}
	job.Modules[0].Columns = append(job.Modules[0].Columns, zsync.ColumnSpec{Header: "Link", Field: "Name", Link: true})
	if _, err := job.Run(context.Background(), zsync.RunOptions{}); err != nil || org.orgs != 1 || org.links != 1 {
		t.Fatalf("a link column: %v, %d org reads, %d link reads", err, org.orgs, org.links)
	}
	tb := sink.tables[len(sink.tables)-2]
	if tb.Sheet != "Leads" || tb.Row(0, nil).Cells[2].Link != "https://crm.zoho.eu/crm/org1/tab/Leads/1" || tb.RecordURL == nil {
		t.Fatalf("table %+v", tb)
	}
}
