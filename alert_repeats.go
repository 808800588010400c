package main

import (
	"sync"
	"time"
)

// alertRepeatEvery is how often the daemon posts a failure again while it
// lasts unchanged: once a day, so a failure nobody fixed is not forgotten.
const alertRepeatEvery = 24 * time.Hour

// alertRepeats keeps the daemon from posting the same failure every run: a
// revoked token or a lost permission would otherwise alert once per tab
// per run, every run, until people mute the channel. A mapping entry's
// failure is posted when it is new (another error text than the one last
// posted for the entry), once a day while it lasts, and again after the
// entry succeeded in between. A nil *alertRepeats posts everything (--once:
// each run is a process of its own). Safe for concurrent use.
type alertRepeats struct {
	mu   sync.Mutex
	last map[string]postedAlert // by entry (module and tab)
}

type postedAlert struct {
	err string
	at  time.Time
}

func newAlertRepeats() *alertRepeats { return &alertRepeats{last: map[string]postedAlert{}} }

func entryKey(module, sheet string) string { return module + "\x00" + sheet }

// due reports whether the entry's failure errText is to be posted now.
func (a *alertRepeats) due(module, sheet, errText string, now time.Time) bool {
	if a == nil {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.last[entryKey(module, sheet)]
	return !ok || p.err != errText || now.Sub(p.at) >= alertRepeatEvery
}

// posted records that the entry's failure errText was posted at now.
func (a *alertRepeats) posted(module, sheet, errText string, now time.Time) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last[entryKey(module, sheet)] = postedAlert{errText, now}
}

// succeeded forgets the entry's last failure: the next one is news.
func (a *alertRepeats) succeeded(module, sheet string) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.last, entryKey(module, sheet))
}
