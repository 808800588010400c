package zoho

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	gosync "sync"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// maxJSONBody bounds a metadata answer.
const maxJSONBody = 32 << 20

func decodeLimited(r io.Reader, v any) error {
	return json.NewDecoder(io.LimitReader(r, maxJSONBody)).Decode(v)
}

// getJSON GETs path and decodes the answer into v. It reports false for
// 204 and 304, which Zoho sends instead of an empty list.
func (c *Client) getJSON(ctx context.Context, op, path string, q url.Values, v any) (bool, error) {
	found := false
	err := c.retryBody(ctx, op, func() error {
		resp, err := c.do(ctx, &request{op: op, method: http.MethodGet, path: path, query: q})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified {
			found = false
			return nil
		}
		if err := decodeLimited(resp.Body, v); err != nil {
			return fmt.Errorf("zoho: %s: decode answer: %w", op, err)
		}
		found = true
		return nil
	})
	return found, err
}

// retryBody runs call, which makes one request and reads its answer, again
// when the connection drops while the body is read (a *netError; do
// already retried everything before the body), within the client's retry
// bound.
func (c *Client) retryBody(ctx context.Context, op string, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		var ne *netError
		if err == nil || !errors.As(err, &ne) || attempt >= c.maxRetries {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("zoho: %s: %w", op, ctx.Err())
		}
		c.mu.Lock()
		c.stats.Retries++
		c.mu.Unlock()
		if c.observer != nil {
			c.observer.Retry()
		}
		wait := c.backoff(attempt + 1)
		c.log.Warn().Err(err).Str("op", op).Dur("wait", wait).Msg("answer cut off; asking again")
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("zoho: %s: %w", op, err)
		}
	}
}

// Modules lists the CRM's modules (GET /crm/v8/settings/modules, scope
// ZohoCRM.settings.modules.READ). Only modules with APISupported can be read.
// https://www.zoho.com/crm/developer/docs/api/v8/modules-api.html
func (c *Client) Modules(ctx context.Context) ([]zsync.Module, error) {
	var body struct {
		Modules []struct {
			APIName      string `json:"api_name"`
			ModuleName   string `json:"module_name"`
			PluralLabel  string `json:"plural_label"`
			APISupported bool   `json:"api_supported"`
		} `json:"modules"`
	}
	if _, err := c.getJSON(ctx, "list modules", "/crm/v8/settings/modules", nil, &body); err != nil {
		return nil, err
	}
	out := make([]zsync.Module, 0, len(body.Modules))
	for _, m := range body.Modules {
		label := m.PluralLabel
		if label == "" {
			label = m.ModuleName
		}
		out = append(out, zsync.Module{APIName: m.APIName, Label: label, APISupported: m.APISupported})
	}
	return out, nil
}

var _ zsync.Prefetcher = (*Client)(nil)

// Prefetch reads ahead, into the caches the run's calls answer from, what
// reads will ask for first: the field metadata of their modules, one call
// each, all at once; then, at once, what those fields call for — the users
// list for an owner or user field read through COQL, the organisation for a currency field
// without a format of its own or for links, a linked module's web tab.
func (c *Client) Prefetch(ctx context.Context, reads []zsync.PrefetchRead) {
	var modules []string
	for _, r := range reads {
		if !slices.Contains(modules, r.Module) {
			modules = append(modules, r.Module)
		}
	}
	var wg gosync.WaitGroup
	for _, m := range modules {
		wg.Go(func() { _, _ = c.Fields(ctx, m) })
	}
	wg.Wait()
	var users, org bool
	var tabs []string
	for _, r := range reads {
		meta, err := c.fieldMeta(ctx, r.Module)
		if err != nil {
			continue
		}
		// Owner names come from the users list only on a COQL read (Get
		// Records answers with them).
		if c.pathFor(r.Fields, meta).Name == PathCOQL {
			for _, f := range r.Fields {
				switch meta[f].DataType {
				case "ownerlookup", "userlookup":
					users = true
				}
			}
		}
		for _, f := range r.Unformatted {
			org = org || strings.EqualFold(meta[f].DataType, "currency")
		}
		if r.Links && !slices.Contains(tabs, r.Module) {
			org, tabs = true, append(tabs, r.Module)
		}
	}
	if users {
		wg.Go(func() { _, _ = c.userNames(ctx) })
	}
	if org {
		wg.Go(func() { _, _ = c.org(ctx) })
	}
	for _, m := range tabs {
		wg.Go(func() { _, _ = c.uiTab(ctx, m) })
	}
	wg.Wait()
}

// Fields returns a module's field metadata (GET /crm/v8/settings/fields,
// scope ZohoCRM.settings.fields.READ), read once per metaTTL: Records
// decodes values by it, and every tab of a module asks for it.
// An unknown module is an *APIError INVALID_MODULE; every error names the
// module.
// https://www.zoho.com/crm/developer/docs/api/v8/field-meta.html
func (c *Client) Fields(ctx context.Context, module string) ([]zsync.Field, error) {
	var body struct {
		Fields []struct {
			APIName      string `json:"api_name"`
			FieldLabel   string `json:"field_label"`
			DisplayLabel string `json:"display_label"`
			DataType     string `json:"data_type"`
			JSONType     string `json:"json_type"`
			ReadOnly     bool   `json:"read_only"`
			DecimalPlace *int   `json:"decimal_place"`
			Currency     *struct {
				Precision *int `json:"precision"`
			} `json:"currency"`
			Lookup *struct {
				Module *struct {
					APIName string `json:"api_name"`
				} `json:"module"`
			} `json:"lookup"`
		} `json:"fields"`
	}
	c.metaMu.Lock()
	e, ok := c.meta[module]
	c.metaMu.Unlock()
	if ok && c.now().Sub(e.at) < metaTTL {
		return slices.Clone(e.list), nil
	}
	op := "read field metadata of " + module
	if _, err := c.getJSON(ctx, op, "/crm/v8/settings/fields", url.Values{"module": {module}}, &body); err != nil {
		if !strings.HasPrefix(err.Error(), "zoho: ") {
			err = fmt.Errorf("zoho: %s: %w", op, err) // a cancellation: say what it stopped
		}
		return nil, err
	}
	out := make([]zsync.Field, 0, len(body.Fields))
	byName := make(map[string]zsync.Field, len(body.Fields))
	for _, f := range body.Fields {
		label := f.DisplayLabel
		if label == "" {
			label = f.FieldLabel
		}
		zf := zsync.Field{APIName: f.APIName, Label: label, DataType: f.DataType, JSONType: f.JSONType, ReadOnly: f.ReadOnly}
		if f.Lookup != nil && f.Lookup.Module != nil {
			zf.LookupModule = f.Lookup.Module.APIName
		}
		zf.Decimals = f.DecimalPlace
		if f.Currency != nil && f.Currency.Precision != nil {
			zf.Decimals = f.Currency.Precision // what the CRM rounds amounts to
		}
		out = append(out, zf)
		byName[zf.APIName] = zf
	}
	c.metaMu.Lock()
	c.meta[module] = fieldsEntry{list: out, byName: byName, at: c.now()}
	c.metaMu.Unlock()
	return slices.Clone(out), nil
}

// metaTTL is how long a module's field metadata is reused: every tab of a
// module in one run shares one read, and a daemon's next run sees fields
// added in the CRM since.
const metaTTL = usersTTL

// fieldsEntry is one module's cached field metadata.
type fieldsEntry struct {
	list   []zsync.Field          // in Zoho's order, as Fields returns it
	byName map[string]zsync.Field // api name → field
	at     time.Time              // when it was read
}

// fieldMeta returns the field metadata of module by api name, cached by Fields.
func (c *Client) fieldMeta(ctx context.Context, module string) (map[string]zsync.Field, error) {
	c.metaMu.Lock()
	e, ok := c.meta[module]
	c.metaMu.Unlock()
	if ok && c.now().Sub(e.at) < metaTTL {
		return e.byName, nil
	}
	if _, err := c.Fields(ctx, module); err != nil {
		return nil, err
	}
	c.metaMu.Lock()
	defer c.metaMu.Unlock()
	return c.meta[module].byName, nil
}

// Count returns the number of records of a module (GET
// /crm/v8/{module}/actions/count). Zoho updates it with a lag of minutes;
// for Leads it may leave out converted leads [UNCONFIRMED], which Records
// includes.
// The count is a string in Zoho's OAS and a number in its docs' samples:
// both are accepted.
// https://www.zoho.com/crm/developer/docs/api/v8/module_record_count.html
func (c *Client) Count(ctx context.Context, module string) (int, error) {
	var body struct {
		Count json.RawMessage `json:"count"`
	}
	op := "count " + module
	if _, err := c.getJSON(ctx, op, "/crm/v8/"+url.PathEscape(module)+"/actions/count", nil, &body); err != nil {
		return 0, err
	}
	n, err := parseCount(body.Count)
	if err != nil {
		return 0, fmt.Errorf("zoho: %s: %w", op, err)
	}
	return n, nil
}
