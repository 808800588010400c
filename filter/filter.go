package filter

import (
	"errors"
	"slices"
	"strings"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Filter is a parsed filter.
type Filter struct {
	src  string
	root Node
}

// New parses src and checks COQL's limits (no metadata needed).
func New(src string) (*Filter, error) {
	n, err := Parse(src)
	if err != nil {
		return nil, err
	}
	if err := Limits(n); err != nil {
		return nil, err
	}
	return &Filter{src: strings.TrimSpace(src), root: n}, nil
}

// String returns the filter as written.
func (f *Filter) String() string { return f.src }

// Root returns the parsed condition.
func (f *Filter) Root() Node { return f.root }

// Paths returns the field paths the filter reads, in order, without
// repeats.
func (f *Filter) Paths() []string {
	var out []string
	Walk(f.root, func(c *Cond) {
		if !slices.Contains(out, c.Field) {
			out = append(out, c.Field)
		}
	})
	return out
}

// Criteria counts the filter's conditions.
func (f *Filter) Criteria() int {
	n := 0
	Walk(f.root, func(*Cond) { n++ })
	return n
}

// Moves reports whether the filter uses relative dates.
func (f *Filter) Moves() bool { return Moves(f.root) }

// Bound is a filter checked against a module's metadata: ready to render
// and to evaluate.
type Bound struct {
	root  Node
	paths map[string]bound
}

type bound struct {
	fp    zsync.FieldPath
	class class
}

// Bind checks every field name, operator and value of the filter against
// the schema (unknown fields get a did-you-mean). Errors are *SyntaxError
// values positioned in the filter text; all of them are returned at once.
func (f *Filter) Bind(s zsync.Schema) (zsync.Condition, error) {
	b, err := f.bind(s)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (f *Filter) bind(s zsync.Schema) (*Bound, error) {
	b := &Bound{root: f.root, paths: map[string]bound{}}
	var errs []error
	Walk(f.root, func(c *Cond) {
		if err := b.check(c, s); err != nil {
			errs = append(errs, err)
		}
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return b, nil
}
