package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// progress shows how far a long run has come: a live line per module on a
// terminal (records read of the expected total, rate, ETA), progress log
// lines elsewhere (CI, JSON logs).
type progress struct {
	terminal io.Writer // nil: log instead
	log      zerolog.Logger
	// count returns a module's record count, when Zoho gives one.
	count    func(ctx context.Context, module string) (int, error)
	now      func() time.Time
	logEvery time.Duration

	mu      sync.Mutex
	entry   string // the tab being read (zsync.EntryName)
	total   int
	start   time.Time
	lastLog time.Time
}

func (p *progress) report(ctx context.Context, ev zsync.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if entry := zsync.EntryName(ev.Module, ev.Sheet); entry != p.entry {
		p.entry, p.total, p.start, p.lastLog = entry, 0, now, now
		// Only a full read of a whole module has a known size: the
		// module's record count (a view reads fewer).
		if ev.Mode == zsync.ModeFull && !ev.Filtered && p.count != nil {
			if n, err := p.count(ctx, ev.Module); err == nil {
				p.total = n
			}
		}
	}
	line := p.line(ev, now)
	if p.terminal != nil {
		end := ""
		if ev.Done {
			end = "\n"
		}
		fmt.Fprintf(p.terminal, "\r\033[K%s%s", line, end)
		return
	}
	if ev.Done || now.Sub(p.lastLog) >= p.logEvery {
		p.lastLog = now
		p.log.Info().Str("module", ev.Module).Str("sheet", ev.Sheet).Int("read", ev.Read).Int("expected", p.total).
			Bool("done", ev.Done).Msg("progress: " + line)
	}
}

func (p *progress) line(ev zsync.Progress, now time.Time) string {
	elapsed := now.Sub(p.start)
	s := fmt.Sprintf("%s: %d records", p.entry, ev.Read)
	if p.total > 0 {
		s = fmt.Sprintf("%s: %d of %d records (%d%%)", p.entry, ev.Read, p.total, min(100, ev.Read*100/p.total))
	}
	if elapsed > time.Second && ev.Read > 0 {
		rate := float64(ev.Read) / elapsed.Seconds()
		s += fmt.Sprintf(", %.0f/s", rate)
		if p.total > ev.Read && !ev.Done {
			eta := time.Duration(float64(p.total-ev.Read) / rate * float64(time.Second))
			s += ", ETA " + eta.Round(time.Second).String()
		}
	}
	if ev.Done {
		s += ", read complete"
	}
	return s
}
