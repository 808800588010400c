package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
)

// whereCounter counts the records matching a COQL condition (the zoho
// client's select COUNT(id)).
type whereCounter interface {
	CountWhere(ctx context.Context, module, where string) (int, error)
}

// readPather says which API a read of some fields takes (the zoho client).
type readPather interface {
	ReadPath(ctx context.Context, module string, fields []string) (zoho.ReadPath, error)
}

// filterZone is the zone check counts relative dates in, and what to say
// about it.
type filterZone struct {
	loc  *time.Location
	note string
}

// checkZone is the zone runs count relative dates in: timezone: from the
// mapping, else the spreadsheet's own (read here; UTC, with a note, when
// the spreadsheet cannot be read: its own check says why).
func checkZone(ctx context.Context, cfg *config.Config, e env, log zerolog.Logger) filterZone {
	if cfg.Timezone != "" {
		if loc, err := time.LoadLocation(cfg.Timezone); err == nil {
			return filterZone{loc, "relative dates in " + cfg.Timezone + " (timezone:)"}
		}
	}
	moves := false
	for _, m := range cfg.Modules {
		moves = moves || m.Filter != nil && m.Filter.Moves()
	}
	if moves {
		if sc, err := newSheetsClient(ctx, e, log, nil); err == nil {
			if ss, err := sc.Open(ctx, cfg.SpreadsheetID, ""); err == nil {
				if loc, err := time.LoadLocation(ss.TimeZone()); err == nil {
					return filterZone{loc, "relative dates in " + ss.TimeZone() + ", the spreadsheet's time zone, as runs count them"}
				}
			}
		}
	}
	return filterZone{time.UTC, "relative dates in UTC here, in the spreadsheet's time zone in runs: set timezone: to count as runs do"}
}

// checkEntry checks one module entry against the live metadata: every
// column's field (related paths through lookups too) and the filter's
// fields and value types, each mistake at its line of the mapping; then it
// prints how many records the filter matches now.
func checkEntry(ctx context.Context, cfg *config.Config, i int, src zsync.Source, zone filterZone, e env,
	pass func(string, ...any), fail func(error)) {
	m := cfg.Modules[i]
	var paths []string
	for _, c := range m.Columns {
		paths = append(paths, c.Field)
	}
	if m.Filter != nil {
		paths = append(paths, m.Filter.Paths()...)
	}
	schema, err := zsync.LoadSchema(ctx, src, m.Module, paths)
	if err != nil {
		if located := config.ErrorList(cfg.LocateEntry(i, err)); len(located) > 0 {
			for _, ce := range located { // a module the CRM does not have
				fail(ce)
			}
			return
		}
		fail(fmt.Errorf("zoho: module %s: %w", m.Module, err))
		return
	}
	ok := true
	mapper, err := zsync.NewSchemaMapper(m.Specs(), schema)
	if err != nil {
		for _, ce := range config.ErrorList(cfg.LocateEntry(i, err)) {
			fail(ce)
		}
		ok = false
	}
	var cond zsync.Condition
	if m.Filter != nil {
		if cond, err = (locatedFilter{m.Filter, cfg, i}).Bind(schema); err != nil {
			for _, ce := range config.ErrorList(err) {
				fail(ce)
			}
			ok = false
		}
	}
	if !ok {
		return
	}
	pass("zoho: tab %q (module %s): all %d mapped fields exist", m.Sheet, m.Module, len(m.Columns))
	if rp, can := src.(readPather); can {
		if p, err := rp.ReadPath(ctx, m.Module, mapper.Fields()); err != nil {
			fail(fmt.Errorf("zoho: tab %q: %w", m.Sheet, err))
		} else if p.Name == zoho.PathCOQL {
			pass("zoho: tab %q reads through COQL (2,000 records a call)", m.Sheet)
		} else {
			pass("zoho: tab %q reads through Get Records (200 records a call): %s", m.Sheet, p.Reason)
		}
	}
	if cond == nil {
		return
	}
	where := cond.Where(e.now().In(zone.loc))
	wc, can := src.(whereCounter)
	if !can {
		pass("zoho: tab %q: filter is valid (where %s)", m.Sheet, where)
		return
	}
	n, err := wc.CountWhere(ctx, m.Module, where)
	if err != nil {
		fail(fmt.Errorf("zoho: tab %q: count the records matching the filter: %w", m.Sheet, err))
		return
	}
	zoneNote := ""
	if m.Filter.Moves() {
		zoneNote = "; " + zone.note
	}
	pass("zoho: tab %q: filter matches %d record(s) now (where %s%s)", m.Sheet, n, where, zoneNote)
}
