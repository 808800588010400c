package zoho

import "fmt"

// maxListPages bounds the page/per_page lists (users, deleted records):
// no Zoho list documents more than 100,000 records (a page-token chain,
// COQL's offset paging), 500 pages of 200. A server still saying
// more_records past it is misbehaving, not a big org.
const maxListPages = maxChainRecords / perPage

// PagingError is a paging answer that would make a read loop forever or
// end early without saying so: Zoho (or a proxy in front of it) sent the
// same page or page token again, an empty page that says more records
// follow, or more pages than Zoho serves. The read stops instead.
type PagingError struct {
	Op      string // what was read, e.g. "list Leads", "list users"
	Problem string // what the server did
}

func (e *PagingError) Error() string {
	return "zoho: " + e.Op + ": Zoho's paging misbehaved: " + e.Problem +
		"; retry later, and if it persists run `zoho2sheets --once --full`"
}

// pageGuard vets each answer of one paging loop (one page-token chain, one
// COQL scan, one page/per_page list) before its rows are used, so that a
// broken server ends the loop with a *PagingError rather than repeating
// rows forever or losing the rest silently.
type pageGuard struct {
	op       string
	maxPages int // pages the loop may take; 0: no cap (the caller bounds it)
	pages    int // answers vetted
	read     int // rows in them
	last     string
	tokens   map[string]struct{}
}

// next vets one answer of n rows, the last of which has key last (an id,
// with the Modified_Time where the loop pages by time; "" when unknown),
// and whether it says more rows follow. Only an answer promising more can
// stall a loop.
func (g *pageGuard) next(n int, last string, more bool) error {
	g.pages++
	defer func() { g.read += n }()
	switch {
	case !more:
		return nil
	case n == 0:
		return g.fail("it sent an empty page that says more records follow")
	case last != "" && g.pages > 1 && last == g.last:
		return g.fail("it sent the same page twice (it ends at record " + last + " again)")
	case g.maxPages > 0 && g.pages >= g.maxPages:
		return g.fail(fmt.Sprintf("it still says more records follow after %d pages of up to %d (no Zoho list holds more)", g.pages, perPage))
	}
	g.last = last
	return nil
}

// page vets the page number an answer reports (0: none) against the one
// asked for: a server ignoring page would serve page 1 over and over.
func (g *pageGuard) page(asked, answered int) error {
	if answered == 0 || answered == asked {
		return nil
	}
	return g.fail(fmt.Sprintf("it answered page %d when asked for page %d", answered, asked))
}

// vetPage vets an answer of a page/per_page list: the page it reports,
// then its n rows ending with the one keyed last.
func (g *pageGuard) vetPage(asked int, info pageInfo, n int, last string) error {
	if err := g.page(asked, info.Page); err != nil {
		return err
	}
	return g.next(n, last, info.MoreRecords)
}

// token vets a next_page_token before it is followed: one seen before in
// this chain would lead back to pages already read.
func (g *pageGuard) token(t string) error {
	if _, seen := g.tokens[t]; seen {
		return g.fail("it sent the same page token twice")
	}
	if g.tokens == nil {
		g.tokens = map[string]struct{}{}
	}
	g.tokens[t] = struct{}{}
	return nil
}

// fail says what the server did; never the token itself, which is bound
// to the user and lets anyone holding it read the same pages.
func (g *pageGuard) fail(problem string) error {
	return &PagingError{Op: g.op, Problem: fmt.Sprintf("%s (%d records read)", problem, g.read)}
}
