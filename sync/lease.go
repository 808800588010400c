package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/internal/backoff"
)

// Two runs writing one spreadsheet at once (a schedule and a backfill by
// hand) would both append the same new records and delete the same rows:
// blank, duplicated and misplaced rows. So a run that writes first takes
// the sink's run lease, keeps renewing it while it runs and releases it at
// the end; a run that finds it taken waits a while or gives up with
// *LeaseBusyError. A run that loses its lease (it could not renew in time,
// or another run took it over after it lapsed) is fenced: the sink refuses
// its writes from then on.

// LeaseHolder describes the run holding a lease.
type LeaseHolder struct {
	Owner   string    // random id of the run
	Host    string    // host name of the machine it runs on
	PID     int       // its process id
	Start   time.Time // when it took the lease
	Expires time.Time // when the lease lapses unless renewed: when another run may take it over
}

// String names the holder for people: "host ci-runner-7, pid 4242, owner 5f3a9c1e".
func (h LeaseHolder) String() string {
	return fmt.Sprintf("host %s, pid %d, owner %s", h.Host, h.PID, h.Owner)
}

// LeaseBusyError is returned when another run holds the lease.
type LeaseBusyError struct {
	Holder LeaseHolder
	// Waited is how long the run waited for the lease before giving up.
	Waited time.Duration
}

func (e *LeaseBusyError) Error() string {
	s := fmt.Sprintf("another run holds the lease until %s (%s)", e.Holder.Expires.UTC().Format(time.RFC3339), e.Holder)
	if e.Waited > 0 {
		s += fmt.Sprintf("; waited %s", e.Waited.Round(time.Second))
	}
	return s
}

// Hint implements HintError.
func (e *LeaseBusyError) Hint() string {
	return "let that run finish, or pass --wait 15m to wait for it; a run that crashed stops holding the lease when it expires"
}

// ErrLeaseLost is wrapped by the errors of a run that lost its lease: it
// stopped before its next write.
var ErrLeaseLost = errors.New("lost the run lease")

// Leaser takes a sink's run lease. *sheets.Leaser implements it.
type Leaser interface {
	// TryLease makes one attempt to take the lease. It returns a
	// *LeaseBusyError when another run holds it. Once taken, the sink
	// refuses writes as soon as the lease is lost or lapses unrenewed.
	TryLease(ctx context.Context) (Lease, error)
}

// Lease is a lease held by this run.
type Lease interface {
	// Renew extends the lease. An error wrapping ErrLeaseLost means another
	// run holds it now, or it lapsed; other errors may be transient.
	Renew(ctx context.Context) error
	// Release gives the lease up. Once a lease is lost, the sink keeps
	// refusing writes even after Release.
	Release(ctx context.Context) error
	// Expires is when the lease lapses unless renewed.
	Expires() time.Time
	// Err is nil while the lease is held, else why it was lost (wrapping
	// ErrLeaseLost).
	Err() error
}

// LeasePolicy decides how a run waits for and keeps a lease.
type LeasePolicy struct {
	Leaser Leaser
	// Poll is how often a waiting run looks at the lease again (default
	// DefaultLeasePoll).
	Poll   time.Duration
	Logger zerolog.Logger
	// Now and Sleep are the clock (default time.Now and a timer that ends
	// with ctx).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultLeasePoll is how often a waiting run looks at the lease again: a
// read, cheap next to the 60 reads a minute Google allows.
const DefaultLeasePoll = 10 * time.Second

// Hold takes the lease, waiting up to wait for another run to finish, and
// keeps it renewed until Release. It returns *LeaseBusyError when the
// lease is still taken after wait, and ErrInterrupted when stop (which may
// be nil) is closed while it waits.
func (p *LeasePolicy) Hold(ctx context.Context, wait time.Duration, stop <-chan struct{}) (*HeldLease, error) {
	start := p.now()
	logged := false
	for {
		if interrupted(stop) {
			return nil, ErrInterrupted
		}
		l, err := p.Leaser.TryLease(ctx)
		if err == nil {
			h := &HeldLease{lease: l, p: p, stop: make(chan struct{}), done: make(chan struct{})}
			go h.renew(ctx)
			return h, nil
		}
		var busy *LeaseBusyError
		if !errors.As(err, &busy) {
			return nil, fmt.Errorf("take the run lease: %w", err)
		}
		waited := p.now().Sub(start)
		left := wait - waited
		if left <= 0 {
			busy.Waited = waited
			return nil, busy
		}
		if !logged {
			p.Logger.Info().Str("holder", busy.Holder.String()).Time("until", busy.Holder.Expires).
				Dur("wait", wait).Msg("another run holds the lease: waiting for it")
			logged = true
		}
		if err := p.sleepOrStop(ctx, min(p.poll(), left), stop); err != nil {
			return nil, err
		}
	}
}

// sleepOrStop sleeps for d, or until stop is closed (ErrInterrupted).
func (p *LeasePolicy) sleepOrStop(ctx context.Context, d time.Duration, stop <-chan struct{}) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if stop != nil {
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	err := p.sleep(ctx, d)
	if interrupted(stop) {
		return ErrInterrupted
	}
	return err
}

func (p *LeasePolicy) poll() time.Duration {
	if p.Poll > 0 {
		return p.Poll
	}
	return DefaultLeasePoll
}

func (p *LeasePolicy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *LeasePolicy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	return backoff.Sleep(ctx, d)
}

// HeldLease is a lease kept renewed in the background.
type HeldLease struct {
	lease Lease
	p     *LeasePolicy

	once gosync.Once
	stop chan struct{}
	done chan struct{}
}

// Err is nil while the lease is held (or for a run without one, h nil),
// else why it was lost.
func (h *HeldLease) Err() error {
	if h == nil {
		return nil
	}
	return h.lease.Err()
}

// renew extends the lease when a third of its remaining time has passed,
// so that two renewals can fail before it lapses. A failed renewal is tried
// again sooner; once the lease is lost the loop ends (the sink already
// refuses writes).
func (h *HeldLease) renew(ctx context.Context) {
	defer close(h.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-h.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		d := h.lease.Expires().Sub(h.p.now()) / 3
		if err := h.p.sleep(ctx, max(d, time.Second)); err != nil {
			return
		}
		err := h.lease.Renew(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrLeaseLost) {
			h.p.Logger.Error().Err(err).Msg("run lease lost: stopping before the next write")
			return
		}
		if err != nil {
			h.p.Logger.Warn().Err(err).Time("expires", h.lease.Expires()).Msg("could not renew the run lease; trying again")
		}
	}
}

// Release stops renewing and gives the lease up. It is safe to call more
// than once.
func (h *HeldLease) Release(ctx context.Context) error {
	var err error
	h.once.Do(func() {
		close(h.stop)
		<-h.done
		err = h.lease.Release(ctx)
	})
	return err
}

// holdLease takes the run lease when the job has a policy and the run
// writes; nil otherwise (a dry run needs none and never writes one).
func (j *Job) holdLease(ctx context.Context, opts RunOptions) (*HeldLease, error) {
	if j.Lease == nil || opts.DryRun {
		return nil, nil
	}
	return j.Lease.Hold(ctx, opts.LeaseWait, opts.Interrupt)
}

// releaseLease gives the lease up even when ctx was cancelled: the run is
// over either way, and leaving it to expire only delays the next run.
func (j *Job) releaseLease(ctx context.Context, h *HeldLease) {
	if h == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := h.Release(ctx); err != nil {
		j.Logger.Warn().Err(err).Msg("could not release the run lease; it expires by itself")
	}
}

// releaseTimeout bounds the release at the end of a run.
const releaseTimeout = 30 * time.Second
