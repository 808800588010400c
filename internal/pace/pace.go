// Package pace keeps a client under a per-window request quota (Google's
// "60 requests per minute per user") with a sliding window of send times:
// a request goes at once while the last window holds fewer requests than
// the quota, and otherwise waits exactly until the oldest of them leaves
// the window. Unlike a token bucket it never waits while the quota has
// room, and it never lets more than the quota through in any window.
package pace

import (
	"sync"
	"time"
)

// Window counts requests in a sliding window. The zero value is not
// usable; create one with New. It is safe for concurrent use.
type Window struct {
	quota int
	span  time.Duration

	mu    sync.Mutex
	times []time.Time // the last quota send times, a ring; oldest at next when full
	next  int
	last  time.Time // the latest send time handed out
}

// New returns a window allowing quota requests in any span. quota < 1
// means no limit (Reserve always answers now).
func New(quota int, span time.Duration) *Window {
	w := &Window{quota: quota, span: span}
	if quota > 0 {
		w.times = make([]time.Time, 0, quota)
	}
	return w
}

// Reserve books the next request and returns when it may be sent: now
// when the last span holds fewer than quota requests, else the moment the
// oldest of them leaves the span. The booking counts from that moment on,
// whether or not the caller then sends (a cancelled wait keeps its slot,
// which only ever errs on the side of fewer requests). Send times never
// go backwards, so concurrent callers are served in order.
func (w *Window) Reserve(now time.Time) time.Time {
	if w.quota < 1 {
		return now
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	at := now
	if at.Before(w.last) {
		at = w.last
	}
	if len(w.times) < w.quota {
		w.times = append(w.times, at)
	} else {
		if free := w.times[w.next].Add(w.span); at.Before(free) {
			at = free
		}
		w.times[w.next] = at
		w.next = (w.next + 1) % w.quota
	}
	w.last = at
	return at
}
