// Package filter is the condition language of a view: the `filter:` of a
// mapping entry. It is COQL's WHERE syntax over a module's fields, plus
// relative dates that move with each run (today - 90d, start_of_quarter).
//
// Parse checks the syntax; Check validates field names, value types and
// COQL's limits against field metadata; Render writes the condition as a
// COQL WHERE clause with every relative date resolved; Match evaluates it on
// a record. The package knows no HTTP: the zoho package sends what Render
// returns.
//
// Brackets: COQL wants more than two conditions bracketed pairwise
// (`((A and B) and C)`). Users need not do that: `and` binds tighter than
// `or`, as in SQL, and Render brackets every pair itself.
package filter

import "fmt"

// Pos is a position within the filter text: 1-based line and column
// (columns count characters, not bytes).
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("line %d, column %d", p.Line, p.Col) }

// Node is a condition: a *Logic or a *Cond.
type Node interface {
	pos() Pos
}

// Logic joins two conditions with and / or.
type Logic struct {
	Or   bool // false: and
	L, R Node
	At   Pos // position of the operator
}

func (l *Logic) pos() Pos { return l.At }

// Op is a comparison operator.
type Op uint8

const (
	OpEq Op = iota
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpIn
	OpNotIn
	OpLike
	OpNotLike
	OpBetween
	OpNotBetween
	OpIsNull
	OpIsNotNull
)

var opText = [...]string{"=", "!=", "<", "<=", ">", ">=", "in", "not in", "like", "not like",
	"between", "not between", "is null", "is not null"}

func (o Op) String() string { return opText[o] }

// Cond is one criterion: a field path compared with values.
type Cond struct {
	Field string // API name, or a dotted path through lookups (Account_Name.Industry)
	Op    Op
	// Args are the operands: one for comparisons and like, two for
	// between, one or more for in, none for is [not] null.
	Args []Value
	At   Pos // position of the field name
}

func (c *Cond) pos() Pos { return c.At }

// ValueKind is the kind of a literal as written.
type ValueKind uint8

const (
	String   ValueKind = iota // 'text'
	Number                    // 42, -3.5
	Bool                      // true, false
	Relative                  // today - 90d, now, start_of_quarter
)

// Value is one operand as written.
type Value struct {
	Kind ValueKind
	// Text is the string's content (unescaped) or the number as written.
	Text string
	B    bool
	Rel  Rel
	At   Pos
}

// Rel is a relative date: an anchor moved by offsets.
type Rel struct {
	Anchor  string // one of Anchors
	Offsets []Offset
}

// Offset moves a relative date by N units (N may be negative).
type Offset struct {
	N    int
	Unit string // one of Units
}

// Walk calls f for every criterion of n, left to right.
func Walk(n Node, f func(*Cond)) {
	switch x := n.(type) {
	case *Logic:
		Walk(x.L, f)
		Walk(x.R, f)
	case *Cond:
		f(x)
	}
}
