package sheets

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	gosync "sync"
	"time"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// The run lease lives in spreadsheet-level developer metadata, like the sync
// state, one entry per run trying to take it, all under LeaseKey.
//
// Sheets has no compare-and-swap: no ETag, no precondition, and metadata
// keys are not unique. What it does guarantee is that each batchUpdate is
// applied whole and one after the other, and that a read sees every write
// answered before it. On that, the lease is Lamport's bakery algorithm:
//
//  1. create an entry with ticket 0 ("choosing");
//  2. read every entry; ticket = 1 + the largest live ticket seen;
//  3. publish the ticket in the entry;
//  4. read again until no other live entry is choosing; the run whose
//     (ticket, owner) is the smallest holds the lease, every other run
//     deletes its entry and waits or gives up.
//
// "Earliest entry wins" by a timestamp or a metadataId is not enough: a
// run whose read came before the other's create sees itself alone and
// wins, while the other, whose start may well be earlier (clocks, network),
// sees both and wins too. With tickets, whoever reads after another's
// ticket is published draws a larger one; whoever published before the
// other read is waited for.
//
// Entries expire: their owner renews them, and another run counts one as
// gone only Skew after its expiry, then deletes it before taking over.
// The owner stops writing a quarter TTL before the expiry (fencing), so a
// run that lost its lease is quiet before another starts, as long as the
// clocks of the two machines differ by less than Skew.

// LeaseKey is the developer metadata key of run lease entries.
const LeaseKey = "zoho2sheets.lease"

// Lease timing defaults.
const (
	// DefaultLeaseTTL is how long a lease lives unrenewed; it is renewed
	// every third of that. A crashed run blocks others this long at most
	// (plus the skew).
	DefaultLeaseTTL = 2 * time.Minute
	// DefaultLeaseSkew is the clock difference between machines the lease
	// tolerates.
	DefaultLeaseSkew = 15 * time.Second
)

// chooseTimeout bounds how long a run waits for another to publish its
// ticket: a run that crashed while choosing blocks until its entry expires.
const chooseTimeout = 10 * time.Second

// LeaseOptions configure a Leaser. Zero values mean the defaults.
type LeaseOptions struct {
	TTL  time.Duration // DefaultLeaseTTL
	Skew time.Duration // DefaultLeaseSkew
	// Owner is this run's id (random by default). Host and PID name the
	// run to people (os.Hostname and os.Getpid by default).
	Owner string
	Host  string
	PID   int
}

// Leaser takes the run lease of one spreadsheet. It implements
// zsync.Leaser; the clock and sleep are the client's (WithClock,
// WithSleep).
type Leaser struct {
	s *Spreadsheet
	o LeaseOptions
}

var _ zsync.Leaser = (*Leaser)(nil)

// NewLeaser returns the leaser of s.
func (s *Spreadsheet) NewLeaser(o LeaseOptions) *Leaser {
	if o.TTL <= 0 {
		o.TTL = DefaultLeaseTTL
	}
	if o.Skew <= 0 {
		o.Skew = DefaultLeaseSkew
	}
	if o.Owner == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		o.Owner = hex.EncodeToString(b[:])
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.PID == 0 {
		o.PID = os.Getpid()
	}
	return &Leaser{s: s, o: o}
}

// leaseValue is an entry's value, as JSON.
type leaseValue struct {
	Owner   string    `json:"owner"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Start   time.Time `json:"start"`
	Expires time.Time `json:"expires"`
	// Ticket is 0 while the run is choosing one.
	Ticket int64 `json:"ticket"`
}

type leaseEntry struct {
	id int64
	v  leaseValue
	ok bool // the value could be read
}

func (e leaseEntry) holder() zsync.LeaseHolder {
	owner := e.v.Owner
	if len(owner) > 8 {
		owner = owner[:8]
	}
	return zsync.LeaseHolder{Owner: owner, Host: e.v.Host, PID: e.v.PID, Start: e.v.Start, Expires: e.v.Expires}
}

// before orders entries by (ticket, owner, id): the smallest holds the lease.
func (e leaseEntry) before(o leaseEntry) bool {
	if e.v.Ticket != o.v.Ticket {
		return e.v.Ticket < o.v.Ticket
	}
	if e.v.Owner != o.v.Owner {
		return e.v.Owner < o.v.Owner
	}
	return e.id < o.id
}

// leaseOpKey marks the lease's own requests, which the write guard lets
// through (a run must be able to release a lease it lost).
type leaseOpKey struct{}

func leaseCtx(ctx context.Context) context.Context { return context.WithValue(ctx, leaseOpKey{}, true) }

// unpacedKey marks a request sent at once, outside the quota pacing: a
// lease renewal must arrive before its fence, and queued behind a minute
// of writes it would not. One every 40 seconds fits in the headroom the
// pacing leaves under Google's quota.
type unpacedKey struct{}

func unpaced(ctx context.Context) context.Context { return context.WithValue(ctx, unpacedKey{}, true) }

// entries reads every lease entry.
func (l *Leaser) entries(ctx context.Context) ([]leaseEntry, error) {
	found, err := l.s.searchMetadata(ctx, LeaseKey)
	if err != nil {
		return nil, fmt.Errorf("read the run lease: %w", err)
	}
	out := make([]leaseEntry, 0, len(found))
	for _, m := range found {
		e := leaseEntry{id: m.MetadataId}
		e.ok = json.Unmarshal([]byte(m.MetadataValue), &e.v) == nil && e.v.Owner != "" && !e.v.Expires.IsZero()
		out = append(out, e)
	}
	return out, nil
}

// live tells whether another run may still act on e: its owner stops a
// quarter TTL before the expiry, others wait Skew past it.
func (l *Leaser) live(e leaseEntry, now time.Time) bool {
	return e.ok && now.Before(e.v.Expires.Add(l.o.Skew))
}

// TryLease makes one attempt to take the lease; see the algorithm above.
// It returns a *zsync.LeaseBusyError when another run holds it (or is
// taking it and comes first). On success the spreadsheet refuses writes
// once the lease is lost or lapses unrenewed.
func (l *Leaser) TryLease(ctx context.Context) (zsync.Lease, error) {
	ctx = leaseCtx(ctx)
	now := l.s.c.now()
	all, err := l.entries(ctx)
	if err != nil {
		return nil, err
	}
	var dead []int64
	for _, e := range all {
		switch {
		case !l.live(e, now) || e.v.Owner == l.o.Owner: // lapsed, unreadable, or ours from an earlier attempt
			if e.ok && e.v.Owner != l.o.Owner {
				l.s.c.log.Warn().Str("holder", e.holder().String()).Time("expired", e.v.Expires).
					Msg("sheets: a run lease expired without being released (the run crashed or lost its connection): taking over")
			}
			dead = append(dead, e.id)
		case e.v.Ticket > 0:
			// Somebody holds it, or is about to decide: no need to write.
			return nil, l.busy(l.first(all, now))
		}
	}
	// A lapsed entry goes before anything else: its owner finds it gone
	// when it renews, and knows it lost.
	if err := l.delete(ctx, "clear expired run leases", dead); err != nil {
		return nil, err
	}

	own, err := l.create(ctx, now)
	if err != nil {
		return nil, err
	}
	held, err := l.decide(ctx, own)
	if err != nil {
		// Give the entry up: nobody must wait for it to expire.
		if derr := l.delete(context.WithoutCancel(ctx), "give up the run lease", []int64{own.id}); derr != nil {
			l.s.c.log.Debug().Err(derr).Msg("sheets: could not delete the lease entry; it expires by itself")
		}
		return nil, err
	}
	return held, nil
}

// busy is the error for a lease e holds. The expiry it names is when this
// run may take the lease over if e's owner stops renewing it (the entry's
// expiry plus the skew): the time a person is told to wait for is never
// one already past while the lease still blocks.
func (l *Leaser) busy(e leaseEntry) *zsync.LeaseBusyError {
	h := e.holder()
	h.Expires = h.Expires.Add(l.o.Skew)
	return &zsync.LeaseBusyError{Holder: h}
}

// first is the live entry with a ticket that comes first: the holder.
func (l *Leaser) first(all []leaseEntry, now time.Time) leaseEntry {
	var f leaseEntry
	for _, e := range all {
		if l.live(e, now) && e.v.Ticket > 0 && e.v.Owner != l.o.Owner && (f.id == 0 || e.before(f)) {
			f = e
		}
	}
	return f
}

// create adds this run's choosing entry, with an id chosen here so that a
// create whose answer was lost can be looked up.
func (l *Leaser) create(ctx context.Context, now time.Time) (leaseEntry, error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	id := int64(binary.BigEndian.Uint32(b[:])&0x7fffffff) | 1
	e := leaseEntry{id: id, ok: true, v: leaseValue{Owner: l.o.Owner, Host: l.o.Host, PID: l.o.PID,
		Start: now, Expires: now.Add(l.o.TTL)}}
	val, _ := json.Marshal(e.v)
	req := &sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{
		DeveloperMetadata: &sheets.DeveloperMetadata{MetadataId: id, MetadataKey: LeaseKey, MetadataValue: string(val),
			Location: spreadsheetLocation(), Visibility: "DOCUMENT"}}}
	err := l.s.batchUpdate(ctx, "take the run lease", kindWriteOnce, nil, []*sheets.Request{req})
	if errors.Is(err, ErrAmbiguous) {
		all, rerr := l.entries(ctx)
		if rerr != nil {
			return e, err
		}
		if slices.ContainsFunc(all, func(x leaseEntry) bool { return x.id == id }) {
			return e, nil
		}
	}
	return e, err
}

// decide runs steps 2 to 4 for own.
func (l *Leaser) decide(ctx context.Context, own leaseEntry) (*Lease, error) {
	all, err := l.entries(ctx)
	if err != nil {
		return nil, err
	}
	now := l.s.c.now()
	for _, e := range all {
		if e.id != own.id && e.v.Owner != l.o.Owner && l.live(e, now) {
			own.v.Ticket = max(own.v.Ticket, e.v.Ticket)
		}
	}
	own.v.Ticket++
	lease := &Lease{l: l, id: own.id, v: own.v}
	if err := lease.update(ctx, now); err != nil {
		return nil, err
	}
	for waited := time.Duration(0); ; {
		all, err := l.entries(ctx)
		if err != nil {
			return nil, err
		}
		now := l.s.c.now()
		if !slices.ContainsFunc(all, func(e leaseEntry) bool { return e.id == own.id }) {
			return nil, fmt.Errorf("%w: its entry was deleted while taking it (this run took longer than the lease lives)", zsync.ErrLeaseLost)
		}
		var choosing, first *leaseEntry
		for i, e := range all {
			if e.id == own.id || e.v.Owner == l.o.Owner || !l.live(e, now) {
				continue
			}
			if e.v.Ticket == 0 {
				choosing = &all[i]
			} else if e.before(lease.entry()) && (first == nil || e.before(*first)) {
				first = &all[i]
			}
		}
		switch {
		case choosing == nil && first == nil:
			if err := lease.fenceErr(now); err != nil {
				return nil, err
			}
			l.s.setWriteGuard(lease.check)
			return lease, nil
		case choosing == nil:
			return nil, l.busy(*first)
		case waited >= chooseTimeout:
			return nil, l.busy(*choosing)
		}
		// Another run is between steps 1 and 3: its ticket decides.
		d := 100*time.Millisecond + mrand.N(200*time.Millisecond)
		if err := l.s.c.sleep(ctx, d); err != nil {
			return nil, err
		}
		waited += d
	}
}

// delete removes lease entries by id.
func (l *Leaser) delete(ctx context.Context, op string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	reqs := make([]*sheets.Request, len(ids))
	for i, id := range ids {
		reqs[i] = &sheets.Request{DeleteDeveloperMetadata: &sheets.DeleteDeveloperMetadataRequest{DataFilter: &sheets.DataFilter{
			DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: id}}}}
	}
	// Deleting by id twice leaves the same spreadsheet.
	return l.s.batchUpdate(leaseCtx(ctx), op, kindWrite, nil, reqs)
}

// Lease is a run lease held on a spreadsheet. It implements zsync.Lease;
// it is safe for concurrent use.
type Lease struct {
	l  *Leaser
	id int64

	mu  gosync.Mutex
	v   leaseValue
	err error // why the lease is lost (nil while held)
}

var _ zsync.Lease = (*Lease)(nil)

func (h *Lease) entry() leaseEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return leaseEntry{id: h.id, v: h.v, ok: true}
}

// fence is when this run stops writing unless it renewed: a quarter TTL
// before the expiry others go by.
func (h *Lease) fence() time.Time { return h.v.Expires.Add(-h.l.o.TTL / 4) }

// fenceErr marks the lease lost once its fence has passed; callers do not
// hold h.mu.
func (h *Lease) fenceErr(now time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fenceErrLocked(now)
}

func (h *Lease) fenceErrLocked(now time.Time) error {
	if h.err == nil && !now.Before(h.fence()) {
		h.err = fmt.Errorf("%w: it was not renewed before %s (the spreadsheet did not answer in time)",
			zsync.ErrLeaseLost, h.fence().UTC().Format(time.RFC3339))
	}
	return h.err
}

// check is the spreadsheet's write guard while the lease is held.
func (h *Lease) check() error { return h.fenceErr(h.l.s.c.now()) }

// Err implements zsync.Lease.
func (h *Lease) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Expires implements zsync.Lease.
func (h *Lease) Expires() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.v.Expires
}

// update writes the entry with a new expiry. The answer must come before
// the fence: a renewal that arrives later may have been applied after
// another run counted the entry as gone.
func (h *Lease) update(ctx context.Context, now time.Time) error {
	h.mu.Lock()
	v := h.v
	fence := h.fence()
	h.mu.Unlock()
	v.Expires = now.Add(h.l.o.TTL)
	val, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(unpaced(leaseCtx(ctx)), fence.Sub(now))
	defer cancel()
	replies, err := h.l.s.batchUpdateReplies(ctx, "renew the run lease", kindWrite, nil, []*sheets.Request{{
		UpdateDeveloperMetadata: &sheets.UpdateDeveloperMetadataRequest{
			DataFilters:       []*sheets.DataFilter{{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: h.id}}},
			DeveloperMetadata: &sheets.DeveloperMetadata{MetadataValue: string(val)},
			Fields:            "metadataValue"}}})
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	if err != nil {
		if ferr := h.fenceErrLocked(h.l.s.c.now()); ferr != nil {
			return ferr
		}
		return err
	}
	updated := false
	if len(replies) == 1 && replies[0].UpdateDeveloperMetadata != nil {
		for _, m := range replies[0].UpdateDeveloperMetadata.DeveloperMetadata {
			updated = updated || m.MetadataId == h.id
		}
	}
	if !updated {
		h.err = fmt.Errorf("%w: another run took it over after it expired", zsync.ErrLeaseLost)
		return h.err
	}
	if ferr := h.fenceErrLocked(h.l.s.c.now()); ferr != nil {
		return ferr
	}
	h.v = v
	return nil
}

// Renew implements zsync.Lease: it extends the lease by the TTL from now.
func (h *Lease) Renew(ctx context.Context) error {
	now := h.l.s.c.now()
	if err := h.fenceErr(now); err != nil {
		return err
	}
	return h.update(ctx, now)
}

// Release implements zsync.Lease: it deletes the entry. A lease given up
// while held lifts the guard: the spreadsheet writes as it did before the
// lease was taken (a run's last words, such as a status tab, come after
// the job). A lost lease keeps refusing writes.
func (h *Lease) Release(ctx context.Context) error {
	h.mu.Lock()
	held := h.err == nil
	if held {
		h.err = fmt.Errorf("%w: it was released", zsync.ErrLeaseLost)
	}
	h.mu.Unlock()
	err := h.l.delete(ctx, "release the run lease", []int64{h.id})
	if held {
		h.l.s.setWriteGuard(nil)
	}
	return err
}

// setWriteGuard makes every later write attempt of s first call g, and
// fail with its error.
func (s *Spreadsheet) setWriteGuard(g func() error) {
	s.mu.Lock()
	s.guard = g
	s.mu.Unlock()
}

// fenced wraps fn, one attempt of a write, so that it is not sent once the
// run lease is lost: checked before every attempt, since a retry may come
// long after the first. The lease's own requests pass.
func (s *Spreadsheet) fenced(ctx context.Context, fn func() error) func() error {
	return func() error {
		s.mu.Lock()
		g := s.guard
		s.mu.Unlock()
		if g != nil && ctx.Value(leaseOpKey{}) == nil {
			if err := g(); err != nil {
				return err
			}
		}
		return fn()
	}
}
