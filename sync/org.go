package sync

import (
	"context"
	"errors"
	gosync "sync"

	"github.com/rs/zerolog"
)

// Org is what the CRM says about the organisation that shapes the sheet:
// the home currency (currency columns are formatted in it) and the web
// address of records (link columns point there).
type Org struct {
	CurrencyCode   string // ISO 4217 code of the home currency, "EUR" ("" = unknown)
	CurrencySymbol string // "€" ("" = unknown)
}

// OrgSource answers what the sheet's formats and links need from the CRM.
// zoho.Client implements it. Both methods may be called concurrently.
type OrgSource interface {
	// Org returns the organisation's settings.
	Org(ctx context.Context) (Org, error)
	// RecordURL returns a function giving the web address of a record of
	// module by its id, as a person opens it in the CRM.
	RecordURL(ctx context.Context, module string) (func(id string) string, error)
}

// orgCache holds the org of one Job across its runs' modules: read once,
// and read again after a failure that may pass. A refusal that retrying
// does not cure (a token without the org scope) stands for the rest of the
// run, so a run asks and warns once, not once per tab; the next run asks
// again (Run clears it).
type orgCache struct {
	mu      gosync.Mutex
	org     *Org
	refused bool
}

// newRun forgets a refusal of the previous run.
func (c *orgCache) newRun() {
	c.mu.Lock()
	c.refused = false
	c.mu.Unlock()
}

// permanent reports whether err says retrying will not help.
func permanent(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && !t.Temporary()
}

// decorate gives the mapper's columns their number formats and links. A
// failure to read the org (typically a refresh token granted before
// ZohoCRM.org.READ was needed) costs currency symbols and links, never the
// sync: currency columns then get no format of their own (so nothing the
// tab already shows is changed) and link columns no links.
func (j *Job) decorate(ctx context.Context, module string, m *Mapper, log zerolog.Logger) {
	if j.Org == nil || !m.needsOrg() {
		m.UseOrg(Org{})
		return
	}
	j.orgs.mu.Lock()
	org, refused := j.orgs.org, j.orgs.refused
	j.orgs.mu.Unlock()
	if org == nil && refused {
		m.UseOrg(Org{}) // said once this run already
		return
	}
	if org == nil {
		o, err := j.Org.Org(ctx)
		if err != nil {
			log.Warn().Err(err).Str("hint", Hint(err)).Msg("could not read the CRM organisation: currency columns keep their formats and link columns get no links")
			if permanent(err) {
				j.orgs.mu.Lock()
				j.orgs.refused = true
				j.orgs.mu.Unlock()
			}
			m.UseOrg(Org{})
			return
		}
		org = &o
		j.orgs.mu.Lock()
		j.orgs.org = org
		j.orgs.mu.Unlock()
	}
	m.UseOrg(*org)
	if m.HasLinks() {
		url, err := j.Org.RecordURL(ctx, module)
		if err != nil {
			log.Warn().Err(err).Str("hint", Hint(err)).Msg("could not build links into the CRM: link columns get no links this run")
			return
		}
		m.UseLinks(url)
	}
}
