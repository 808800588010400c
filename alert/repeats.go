package alert

import (
	"sync"
	"time"
)

// RepeatEvery is how often a failure is posted again while it lasts
// unchanged: once a day, so a failure nobody fixed is not forgotten.
const RepeatEvery = 24 * time.Hour

// Repeats keeps a daemon from posting the same failure every run: a
// revoked token or a lost permission would otherwise alert once per tab
// per run, every run, until people mute the channel. A mapping entry's
// failure is posted when it is new (another error text than the one last
// posted for the entry), once a day while it lasts, and again after the
// entry succeeded in between. A nil *Repeats posts everything (--once:
// each run is a process of its own). Safe for concurrent use.
type Repeats struct {
	mu   sync.Mutex
	last map[string]postedAlert // by entry (module and tab)
}

type postedAlert struct {
	err string
	at  time.Time
}

// NewRepeats returns an empty policy: every first failure is due.
func NewRepeats() *Repeats { return &Repeats{last: map[string]postedAlert{}} }

func entryKey(module, sheet string) string { return module + "\x00" + sheet }

// Due reports whether the entry's failure errText is to be posted now.
func (a *Repeats) Due(module, sheet, errText string, now time.Time) bool {
	if a == nil {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.last[entryKey(module, sheet)]
	return !ok || p.err != errText || now.Sub(p.at) >= RepeatEvery
}

// Posted records that the entry's failure errText was posted at now.
func (a *Repeats) Posted(module, sheet, errText string, now time.Time) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last[entryKey(module, sheet)] = postedAlert{errText, now}
}

// Succeeded forgets the entry's last failure: the next one is news.
func (a *Repeats) Succeeded(module, sheet string) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.last, entryKey(module, sheet))
}
