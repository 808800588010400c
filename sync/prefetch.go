package sync

import (
	"context"
	"slices"
	"strings"
)

// Prefetcher is a Source that can read ahead what a run's tabs will ask it
// for first (field metadata, and what the fields' types call for: the
// users behind owner fields, the organisation's currency, the web tab of a
// linked module), while the job waits on the spreadsheet: the answers are
// kept for the run. Failures are not kept: the run's own call meets them
// again and reports them.
type Prefetcher interface {
	Prefetch(ctx context.Context, reads []PrefetchRead)
}

// PrefetchRead is what one tab will read.
type PrefetchRead struct {
	Module string
	// Fields are the fields its columns start from (Owner for Owner.name).
	Fields []string
	// Unformatted are those of its columns' fields that have no format or
	// type of their own: a currency field among them is formatted in the
	// organisation's currency.
	Unformatted []string
	// Links is true when a column links to records (the organisation's
	// domain and the module's web tab make the link).
	Links bool
}

// prefetchReads is what mods will read.
func prefetchReads(mods []ModuleJob) []PrefetchRead {
	out := make([]PrefetchRead, 0, len(mods))
	for _, m := range mods {
		r := PrefetchRead{Module: m.Module}
		for _, c := range m.Columns {
			f, _, _ := strings.Cut(c.Field, ".")
			r.Fields = append(r.Fields, f)
			if c.Format == "" && c.Type == "" {
				r.Unformatted = append(r.Unformatted, f)
			}
			r.Links = r.Links || c.Link
		}
		out = append(out, r)
	}
	return out
}

// readAhead is one run's read ahead: started before the lease is taken (Zoho
// and Google then answer at once instead of one after the other), waited
// for before the first module runs, and its calls charged to the first tab
// of each module, for which they were made.
type readAhead struct {
	done    chan struct{}
	cancel  context.CancelFunc
	modules []string // modules whose first tab has not been charged yet
	share   struct{ calls, credits, rest, restCredits int }
}

// readAhead starts the source's read ahead for mods, if it has one.
func (j *Job) readAhead(ctx context.Context, mods []ModuleJob) *readAhead {
	r := &readAhead{done: make(chan struct{})}
	p, ok := j.Source.(Prefetcher)
	if !ok {
		close(r.done)
		return r
	}
	for _, m := range mods {
		if !slices.Contains(r.modules, m.Module) {
			r.modules = append(r.modules, m.Module)
		}
	}
	ctx, r.cancel = context.WithCancel(ctx)
	calls0, credits0 := j.sourceCost()
	reads, n := prefetchReads(mods), len(r.modules)
	go func() {
		defer close(r.done)
		p.Prefetch(ctx, reads)
		// Nothing else calls the source before the modules run.
		calls1, credits1 := j.sourceCost()
		calls, credits := calls1-calls0, credits1-credits0
		r.share.calls, r.share.credits = calls/n, credits/n
		r.share.rest, r.share.restCredits = calls%n, credits%n // to the first tab charged
	}()
	return r
}

// sourceCost is the source's calls and credits so far (zero when the job
// does not count them).
func (j *Job) sourceCost() (calls, credits int) {
	if j.Calls != nil {
		calls, _ = j.Calls()
	}
	if j.Credits != nil {
		credits = j.Credits()
	}
	return calls, credits
}

// wait waits for the read ahead, or cancels it when ctx ends first (the
// run's deadline passed): a module's first call then finds its answer,
// not a call in flight.
func (r *readAhead) wait(ctx context.Context) {
	select {
	case <-r.done:
	case <-ctx.Done():
		r.stop()
	}
}

// stop cancels the read ahead and waits for it to end: a run that ends
// early (a busy lease) does not wait for the CRM.
func (r *readAhead) stop() {
	if r.cancel != nil {
		r.cancel()
	}
	<-r.done
}

// charge adds to ms, the summary of a tab that ran, its module's share of
// the read ahead if no tab of the module has had it yet.
func (r *readAhead) charge(ms *ModuleSummary) {
	i := slices.Index(r.modules, ms.Module)
	if i < 0 {
		return
	}
	ms.SourceCalls += r.share.calls + r.share.rest
	ms.SourceCredits += r.share.credits + r.share.restCredits
	r.share.rest, r.share.restCredits = 0, 0
	r.modules = slices.Delete(r.modules, i, i+1)
}
