package sync_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// crmWithModules is a CRM whose field metadata exists only for its modules
// (Zoho answers INVALID_MODULE for any other name).
type crmWithModules struct {
	fakeSource
	modules     []string
	modulesErr  error
	moduleCalls int
}

var errInvalidModule = errors.New("HTTP 400 INVALID_MODULE: the module name given seems to be invalid")

func (c *crmWithModules) Modules(context.Context) ([]zsync.Module, error) {
	c.moduleCalls++
	var out []zsync.Module
	for _, m := range c.modules {
		out = append(out, zsync.Module{APIName: m, Label: m, APISupported: true})
	}
	return out, c.modulesErr
}

func (c *crmWithModules) Fields(ctx context.Context, module string) ([]zsync.Field, error) {
	for _, m := range c.modules {
		if m == module {
			return c.fakeSource.Fields(ctx, module)
		}
	}
	return nil, errInvalidModule
}

// A module name the CRM does not have (a typo, the wrong case) is said as
// such, with the nearest module's name, rather than as the failed read of
// its field metadata.
func TestLoadSchemaNamesAnUnknownModule(t *testing.T) {
	ctx := context.Background()
	src := &crmWithModules{modules: []string{"Leads", "Contacts", "Deals"}}
	for name, want := range map[string]string{"Lead": "Leads", "deals": "Deals", "Invoices": ""} {
		_, err := zsync.LoadSchema(ctx, src, name, []string{"id", "Name"})
		var ue *zsync.UnknownModuleError
		if !errors.As(err, &ue) || ue.Module != name {
			t.Fatalf("%s: err = %v, want an *UnknownModuleError naming it", name, err)
		}
		hint := zsync.Hint(err)
		if want != "" && !strings.Contains(hint, "did you mean "+want+"?") {
			t.Errorf("%s: hint %q, want did you mean %s?", name, hint, want)
		}
		if want == "" && strings.Contains(hint, "did you mean") {
			t.Errorf("%s: hint %q suggests a module far from it", name, hint)
		}
		if !strings.Contains(hint, "zoho2sheets fields") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v (hint %q): want the name and where the modules are listed", name, err, hint)
		}
	}
	// When the module list cannot be read (or the module is in it), the
	// metadata read's own error stands.
	src.modulesErr = errors.New("no scope")
	if _, err := zsync.LoadSchema(ctx, src, "Lead", []string{"id"}); !errors.Is(err, errInvalidModule) {
		t.Errorf("module list unreadable: err = %v, want the metadata error", err)
	}
	src.modulesErr, src.modules = nil, nil
	if _, err := zsync.LoadSchema(ctx, src, "Lead", []string{"id"}); !errors.Is(err, errInvalidModule) {
		t.Errorf("empty module list: err = %v, want the metadata error", err)
	}
	// A known module's metadata is read without listing the modules.
	src.modules, src.moduleCalls = []string{"Leads"}, 0
	if _, err := zsync.LoadSchema(ctx, src, "Leads", []string{"id"}); err != nil || src.moduleCalls != 0 {
		t.Errorf("known module: err = %v, %d module list calls, want none", err, src.moduleCalls)
	}
}
