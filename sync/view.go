package sync

import "time"

// Filter is a view's condition as the user wrote it (`filter:` in
// mapping.yaml), parsed; package filter implements it. A tab with a filter
// holds only the records that match it, and keeps holding exactly those as
// records change and relative dates move.
type Filter interface {
	// String is the condition as written; it is part of the tab's
	// fingerprint.
	String() string
	// Paths lists the field paths the condition reads.
	Paths() []string
	// Moves reports whether the condition uses relative dates, so that
	// its meaning changes with time even when no record does.
	Moves() bool
	// Bind checks the condition against the module's metadata.
	Bind(Schema) (Condition, error)
}

// Condition is a Filter checked against a module's metadata.
type Condition interface {
	// Where renders the condition in COQL WHERE syntax with every
	// relative date resolved at now, in now's location.
	Where(now time.Time) string
	// Match evaluates the condition on a record at now.
	Match(r Record, now time.Time) bool
}
