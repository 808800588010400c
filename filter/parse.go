package filter

import (
	"fmt"
	"strconv"
	"strings"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Parse parses a filter. Errors are *SyntaxError values with the position
// of the mistake within src and a hint.
func Parse(src string) (Node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if toks[0].kind == tEOF {
		return nil, &SyntaxError{At: toks[0].at, Msg: "empty filter",
			Hint: "write a condition such as Stage = 'Closed Won', or leave filter out to sync every record"}
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		hint := "join conditions with and / or"
		switch {
		case t.kind == tRParen:
			hint = "this ) closes no ( : remove it"
		case t.kind == tComma && p.toks[p.i-1].kind == tNumber && p.toks[p.i+1].kind == tNumber:
			hint = fmt.Sprintf("write numbers without thousands separators: %s%s", p.toks[p.i-1].text, p.toks[p.i+1].text)
		case t.kind == tNumber && p.toks[p.i-1].kind == tNumber:
			hint = fmt.Sprintf("write numbers without thousands separators: %s%s", p.toks[p.i-1].text, t.text)
		}
		return nil, &SyntaxError{At: t.at, Msg: fmt.Sprintf("unexpected %s after a complete condition", describe(t)), Hint: hint}
	}
	return n, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether t is the keyword kw (case ignored).
func keyword(t token, kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tString:
		return fmt.Sprintf("text '%s'", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) or() (Node, error) { return p.chain("or", p.and) }

func (p *parser) and() (Node, error) { return p.chain("and", p.primary) }

// chain parses operands joined by the keyword kw, left-associative.
func (p *parser) chain(kw string, operand func() (Node, error)) (Node, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for keyword(p.peek(), kw) {
		at := p.next().at
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &Logic{Or: kw == "or", L: l, R: r, At: at}
	}
	return l, nil
}

func (p *parser) primary() (Node, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, &SyntaxError{At: c.at, Msg: fmt.Sprintf("expected ) but found %s", describe(c)),
				Hint: fmt.Sprintf("close the bracket opened at %s", t.at)}
		}
		return n, nil
	}
	return p.cond()
}

var reserved = []string{"and", "or", "not", "in", "like", "between", "is", "null", "true", "false"}

func isReserved(s string) bool {
	for _, r := range reserved {
		if strings.EqualFold(s, r) {
			return true
		}
	}
	return false
}

func (p *parser) cond() (Node, error) {
	t := p.next()
	switch {
	case keyword(t, "not"):
		return nil, &SyntaxError{At: t.at, Msg: "COQL has no not (…)",
			Hint: "negate the comparison instead: !=, not in, not like, not between, is not null"}
	case t.kind != tIdent || isReserved(t.text):
		return nil, &SyntaxError{At: t.at, Msg: fmt.Sprintf("expected a field name but found %s", describe(t)),
			Hint: "a condition starts with a field's API name: Stage = 'Closed Won'"}
	}
	if _, ok := anchor(t.text); ok {
		return nil, &SyntaxError{At: t.at, Msg: fmt.Sprintf("%s is a relative date, not a field", t.text),
			Hint: "put the field first: Created_Time >= " + t.text}
	}
	c := &Cond{Field: t.text, At: t.at}
	op := p.next()
	negated := false
	if keyword(op, "not") {
		negated = true
		op = p.next()
		if !keyword(op, "in") && !keyword(op, "like") && !keyword(op, "between") {
			return nil, &SyntaxError{At: op.at, Msg: fmt.Sprintf("expected in, like or between after not, found %s", describe(op)),
				Hint: "write not in (…), not like '…' or not between … and …; use != to compare"}
		}
	}
	var err error
	switch {
	case op.kind == tOp:
		c.Op = map[string]Op{"=": OpEq, "!=": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe}[op.text]
		if p.peek().kind == tIdent && strings.EqualFold(p.peek().text, "null") {
			fix := "is null"
			if c.Op == OpNe {
				fix = "is not null"
			}
			return nil, &SyntaxError{At: p.peek().at, Msg: "null cannot be compared", Hint: "write " + c.Field + " " + fix}
		}
		err = p.values(c, 1)
	case keyword(op, "in"):
		c.Op = OpIn
		if negated {
			c.Op = OpNotIn
		}
		err = p.list(c)
	case keyword(op, "like"):
		c.Op = OpLike
		if negated {
			c.Op = OpNotLike
		}
		err = p.values(c, 1)
	case keyword(op, "between"):
		c.Op = OpBetween
		if negated {
			c.Op = OpNotBetween
		}
		if err = p.values(c, 1); err == nil {
			if a := p.next(); !keyword(a, "and") {
				return nil, &SyntaxError{At: a.at, Msg: fmt.Sprintf("expected and after the first value of between, found %s", describe(a)),
					Hint: "write  Field between low and high"}
			}
			err = p.values(c, 1)
		}
	case keyword(op, "is"):
		c.Op = OpIsNull
		n := p.next()
		if keyword(n, "not") {
			c.Op = OpIsNotNull
			n = p.next()
		}
		if !keyword(n, "null") {
			return nil, &SyntaxError{At: n.at, Msg: fmt.Sprintf("expected null after is, found %s", describe(n)),
				Hint: "is is only used as  is null  or  is not null; compare with ="}
		}
	default:
		return nil, &SyntaxError{At: op.at, Msg: fmt.Sprintf("expected an operator after %s, found %s", c.Field, describe(op)),
			Hint: "use =, !=, <, <=, >, >=, in, not in, like, not like, between, is null or is not null" + spaceHint(c.Field, op)}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// spaceHint explains the usual cause of a field followed by a field: a field
// label with spaces instead of its API name.
func spaceHint(field string, op token) string {
	if op.kind == tIdent {
		return fmt.Sprintf("; field names are API names without spaces (%s_%s?)", field, op.text)
	}
	return ""
}

// list parses ( v, v, … ).
func (p *parser) list(c *Cond) error {
	open := p.next()
	if open.kind != tLParen {
		return &SyntaxError{At: open.at, Msg: fmt.Sprintf("expected ( after in, found %s", describe(open)),
			Hint: "list the values in brackets: Stage in ('Won', 'Lost')"}
	}
	for {
		if err := p.values(c, 1); err != nil {
			return err
		}
		t := p.next()
		if t.kind == tRParen {
			return nil
		}
		if t.kind != tComma {
			return &SyntaxError{At: t.at, Msg: fmt.Sprintf("expected , or ) in the list, found %s", describe(t)),
				Hint: fmt.Sprintf("separate values with commas and close the list opened at %s", open.at)}
		}
	}
}

// values parses n operands into c.Args.
func (p *parser) values(c *Cond, n int) error {
	for range n {
		v, err := p.value()
		if err != nil {
			return err
		}
		c.Args = append(c.Args, v)
	}
	return nil
}

func (p *parser) value() (Value, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return Value{Kind: String, Text: t.text, At: t.at}, nil
	case tNumber:
		return Value{Kind: Number, Text: t.text, At: t.at}, nil
	case tMinus:
		n := p.next()
		if n.kind != tNumber {
			return Value{}, &SyntaxError{At: t.at, Msg: "expected a number after -", Hint: "write a negative number as -5"}
		}
		return Value{Kind: Number, Text: "-" + n.text, At: t.at}, nil
	case tDur:
		if _, err := parseOffset(t); err != nil { // 10k, 5EUR: no unit of an offset
			return Value{}, &SyntaxError{At: t.at, Msg: fmt.Sprintf("%s is not a number", t.text),
				Hint: fmt.Sprintf("write a number in full, without units or separators (10000, not 10k); quote text: '%s'", t.text)}
		}
		return Value{}, &SyntaxError{At: t.at, Msg: fmt.Sprintf("%s is a duration, not a value", t.text),
			Hint: fmt.Sprintf("count it from a date: today - %s (or quote text: '%s')", t.text, t.text)}
	case tIdent:
		switch {
		case strings.EqualFold(t.text, "true"), strings.EqualFold(t.text, "false"):
			return Value{Kind: Bool, B: strings.EqualFold(t.text, "true"), At: t.at}, nil
		}
		if a, ok := anchor(t.text); ok {
			return p.relative(a, t)
		}
		hint := fmt.Sprintf("quote text with single quotes: '%s'; relative dates are %s", t.text, strings.Join(Anchors, ", "))
		if i := zsync.Closest(t.text, Anchors); i >= 0 {
			hint = fmt.Sprintf("did you mean %s? or quote text: '%s'", Anchors[i], t.text)
		}
		return Value{}, &SyntaxError{At: t.at, Msg: fmt.Sprintf("%s is not a value", t.text), Hint: hint}
	}
	return Value{}, &SyntaxError{At: t.at, Msg: fmt.Sprintf("expected a value, found %s", describe(t)),
		Hint: "a value is 'text', a number, true, false or a relative date such as today - 30d"}
}

// relative parses the offsets after an anchor: today - 90d + 2h.
func (p *parser) relative(a string, t token) (Value, error) {
	v := Value{Kind: Relative, Rel: Rel{Anchor: a}, At: t.at}
	for p.peek().kind == tPlus || p.peek().kind == tMinus {
		sign := p.next()
		d := p.next()
		if d.kind == tNumber {
			return Value{}, &SyntaxError{At: d.at, Msg: fmt.Sprintf("%s has no unit", d.text),
				Hint: fmt.Sprintf("write %sd for days; units are %s", d.text, strings.Join(Units, ", "))}
		}
		if d.kind != tDur {
			return Value{}, &SyntaxError{At: d.at, Msg: fmt.Sprintf("expected a duration after %s, found %s", sign.text, describe(d)),
				Hint: "write a number and a unit, e.g. today - 90d; units are " + strings.Join(Units, ", ")}
		}
		o, err := parseOffset(d)
		if err != nil {
			return Value{}, err
		}
		if sign.kind == tMinus {
			o.N = -o.N
		}
		v.Rel.Offsets = append(v.Rel.Offsets, o)
	}
	return v, nil
}

func parseOffset(d token) (Offset, error) {
	i := strings.IndexFunc(d.text, isIdentStart)
	num, unit := d.text[:i], strings.ToLower(d.text[i:])
	n, err := strconv.Atoi(num)
	if err != nil || n > 100000 {
		return Offset{}, &SyntaxError{At: d.at, Msg: fmt.Sprintf("%s is not a whole number of units", d.text),
			Hint: "write a whole number of at most 100000, e.g. 90d"}
	}
	for _, u := range Units {
		if unit == u {
			return Offset{N: n, Unit: u}, nil
		}
	}
	hint := "units are " + strings.Join(Units, ", ")
	switch unit {
	case "m":
		hint = "write min for minutes or mo for months"
	case "s", "sec":
		hint = "the smallest unit is min (minutes)"
	default:
		if i := zsync.Closest(unit, unitWords); i >= 0 {
			hint = fmt.Sprintf("did you mean %s%s? %s", num, unitOf[i], hint)
		}
	}
	return Offset{}, &SyntaxError{At: d.at, Msg: fmt.Sprintf("unknown unit %q in %s", unit, d.text), Hint: hint}
}
