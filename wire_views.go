package main

import (
	"time"

	"github.com/zoho2sheets/zoho2sheets/config"
	"github.com/zoho2sheets/zoho2sheets/filter"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// viewZone is where filters' relative dates (today, start_of_month) are
// resolved: the mapping's timezone, else the spreadsheet's own, else UTC.
func viewZone(cfg *config.Config, sink zsync.Sink) *time.Location {
	name := cfg.Timezone
	if z, ok := sink.(interface{ TimeZone() string }); ok && name == "" {
		name = z.TimeZone()
	}
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return time.UTC
}

// locatedFilter is a mapping entry's filter whose mistakes against the
// live metadata (an unknown field, a value of the wrong type) name the
// mapping file and line, as every other mapping mistake does.
type locatedFilter struct {
	*filter.Filter
	cfg   *config.Config
	entry int
}

func (f locatedFilter) Bind(s zsync.Schema) (zsync.Condition, error) {
	c, err := f.Filter.Bind(s)
	if err != nil {
		return nil, f.cfg.LocateFilter(f.entry, err)
	}
	return c, nil
}
