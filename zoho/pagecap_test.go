package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A page/per_page list that answers every page it is asked for, each with
// new rows and more_records true, stops at maxListPages (no Zoho list
// holds more) with a *PagingError instead of paging on for ever.
func TestListPagesCapped(t *testing.T) {
	c, w := setup(t)
	var calls atomic.Int64
	endless := func(rows string) http.HandlerFunc {
		return func(rw http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			row := map[string]any{"id": strconv.Itoa(5725767000000000000 + page), "deleted_time": "2026-01-05T09:00:00+00:00"}
			writeJSON(rw, 200, map[string]any{rows: []any{row}, "info": map[string]any{"page": page, "per_page": 200, "count": 1, "more_records": true}})
		}
	}
	w.mux.HandleFunc("GET /crm/v8/users", endless("users"))
	w.mux.HandleFunc("GET /crm/v8/Leads/deleted", endless("data"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, uerr := c.userNames(ctx)
	var derr error
	for _, err := range c.Deleted(ctx, "Leads", time.Time{}) {
		if err != nil {
			derr = err
			break
		}
	}
	for _, err := range []error{uerr, derr} {
		var pe *PagingError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), fmt.Sprintf("after %d pages", maxListPages)) {
			t.Errorf("err = %v, want a *PagingError after %d pages", err, maxListPages)
		}
	}
	if n := calls.Load(); n != 2*maxListPages {
		t.Errorf("%d calls, want %d per list", n, maxListPages)
	}
}
