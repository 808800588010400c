package sync

import (
	"context"
	"fmt"
)

// UnknownModuleError is a mapping entry's module that the CRM does not have:
// a typo, or the wrong case (API names are case-sensitive).
type UnknownModuleError struct {
	Module  string
	Nearest string // the CRM's module closest to Module, "" when none is
}

func (e *UnknownModuleError) Error() string {
	return fmt.Sprintf("no module %q in the CRM", e.Module)
}

// Hint says how to fix the name.
func (e *UnknownModuleError) Hint() string {
	h := "`zoho2sheets fields` lists the modules (API names are case-sensitive)"
	if e.Nearest != "" {
		h = "did you mean " + e.Nearest + "? " + h
	}
	return h
}

// unknownModule explains a failed read of module's field metadata: an
// *UnknownModuleError when the CRM's module list lacks the name, nil when
// the list has it or cannot be read (the read's own error then stands).
func unknownModule(ctx context.Context, src Source, module string) error {
	mods, err := src.Modules(ctx)
	if err != nil || len(mods) == 0 {
		return nil
	}
	names := make([]string, len(mods))
	for i, m := range mods {
		if m.APIName == module {
			return nil
		}
		names[i] = m.APIName
	}
	e := &UnknownModuleError{Module: module}
	if i := Closest(module, names); i >= 0 {
		e.Nearest = names[i]
	}
	return e
}
