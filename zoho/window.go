package zoho

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// idsPerCall is how many ids Get Records takes in its ids parameter.
const idsPerCall = 100

// fillWindow serves a change window (ReadOptions.WindowSince) on the Get
// Records path without reading the whole module: the COQL pass lists the
// records in the window (changed, or whose related record changed), the
// Get Records passes read only those changed since WindowSince, and the
// others (a deal whose account was renamed) are fetched by id, 100 a call.
func (c *Client) fillWindow(ctx context.Context, module string, plain []string, meta map[string]zsync.Field,
	coqlPasses, getPasses []pass) ([]pass, []pass) {
	var (
		listed []string
		got    = map[string]bool{}
	)
	first := coqlPasses[0]
	coqlPasses[0] = func(yield func(zsync.Record, error) bool) bool {
		return first(func(r zsync.Record, err error) bool {
			if err == nil {
				listed = append(listed, r.ID)
			}
			return yield(r, err)
		})
	}
	for i, p := range getPasses {
		getPasses[i] = func(yield func(zsync.Record, error) bool) bool {
			return p(func(r zsync.Record, err error) bool {
				if err == nil {
					got[r.ID] = true
				}
				return yield(r, err)
			})
		}
	}
	for _, fields := range splitFields(plain) {
		getPasses = append(getPasses, func(yield func(zsync.Record, error) bool) bool {
			var missing []string
			for _, id := range listed {
				if !got[id] {
					missing = append(missing, id)
				}
			}
			return c.readByID(ctx, module, fields, missing, meta, yield)
		})
	}
	return coqlPasses, getPasses
}

// readByID reads the records ids through Get Records' ids parameter.
func (c *Client) readByID(ctx context.Context, module string, fields, ids []string, meta map[string]zsync.Field,
	yield func(zsync.Record, error) bool) bool {
	path := "/crm/v8/" + url.PathEscape(module)
	var buf []zsync.Record
	for i := 0; i < len(ids); i += idsPerCall {
		chunk := ids[i:min(i+idsPerCall, len(ids))]
		q := url.Values{"fields": {joinComma(fields)}, "ids": {strings.Join(chunk, ",")}, "per_page": {strconv.Itoa(perPage)}}
		if module == "Leads" {
			q.Set("converted", "both")
		}
		var err error
		if buf, _, err = c.recordsPage(ctx, fmt.Sprintf("list %s by id from %d", module, i+1), path, q, nil, meta, buf[:0]); err != nil {
			yield(zsync.Record{}, err)
			return false
		}
		for _, r := range buf {
			if !yield(r, nil) {
				return false
			}
		}
	}
	return true
}
