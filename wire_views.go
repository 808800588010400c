package main

import (
	"github.com/zoho2sheets/zoho2sheets/config"
	"github.com/zoho2sheets/zoho2sheets/filter"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

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
