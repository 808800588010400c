package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func TestProgressOnTerminalShowsTotalRateAndETA(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var term bytes.Buffer
	counted := 0
	p := &progress{terminal: &term, now: func() time.Time { return now },
		count: func(_ context.Context, m string) (int, error) { counted++; return 10000, nil }}
	p.report(context.Background(), zsync.Progress{Module: "Leads", Mode: zsync.ModeFull})
	now = now.Add(2 * time.Second)
	p.report(context.Background(), zsync.Progress{Module: "Leads", Mode: zsync.ModeFull, Read: 2000})
	if got := term.String(); !strings.Contains(got, "Leads: 2000 of 10000 records (20%), 1000/s, ETA 8s") {
		t.Fatalf("terminal line = %q", got)
	}
	p.report(context.Background(), zsync.Progress{Module: "Leads", Mode: zsync.ModeFull, Read: 10000, Done: true})
	if !strings.HasSuffix(term.String(), "read complete\n") || counted != 1 {
		t.Fatalf("done line = %q, count calls %d", term.String(), counted)
	}
}

func TestProgressLogsLinesWhenNotATerminal(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	p := &progress{log: zerolog.New(&logs), now: func() time.Time { return now }, logEvery: 10 * time.Second,
		count: func(context.Context, string) (int, error) { t.Fatal("an incremental read has no total"); return 0, nil }}
	for i := 1; i <= 30; i++ {
		now = now.Add(time.Second)
		p.report(context.Background(), zsync.Progress{Module: "Deals", Mode: zsync.ModeIncremental, Read: i * 1000})
	}
	p.report(context.Background(), zsync.Progress{Module: "Deals", Mode: zsync.ModeIncremental, Read: 30500, Done: true})
	lines := strings.Count(logs.String(), "\n")
	if lines != 3 || !strings.Contains(logs.String(), `"read":30500`) {
		t.Fatalf("want a line every 10 s (2) and a final one, got %d:\n%s", lines, logs.String())
	}
}

// Two tabs of one module are two reads: the second starts its own clock
// and total, names its tab, and a view (a filtered tab) gets no total —
// the module's count would overstate it.
func TestProgressPerTab(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var term bytes.Buffer
	counted := 0
	p := &progress{terminal: &term, now: func() time.Time { return now },
		count: func(context.Context, string) (int, error) { counted++; return 10000, nil }}
	ctx := context.Background()
	p.report(ctx, zsync.Progress{Module: "Deals", Sheet: "Deals", Mode: zsync.ModeFull})
	now = now.Add(10 * time.Second)
	p.report(ctx, zsync.Progress{Module: "Deals", Sheet: "Deals", Mode: zsync.ModeFull, Read: 10000, Done: true})
	term.Reset()
	p.report(ctx, zsync.Progress{Module: "Deals", Sheet: "Open deals", Filtered: true, Mode: zsync.ModeFull})
	now = now.Add(2 * time.Second)
	p.report(ctx, zsync.Progress{Module: "Deals", Sheet: "Open deals", Filtered: true, Mode: zsync.ModeFull, Read: 600})
	if got := term.String(); !strings.Contains(got, "Deals (tab Open deals): 600 records, 300/s") || strings.Contains(got, "of 10000") || counted != 1 {
		t.Fatalf("second tab's line = %q (module counted %d times)", got, counted)
	}
}
