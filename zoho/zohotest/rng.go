package zohotest

// rngState is a deterministic generator (SplitMix64). The data set must be
// the same for a seed on every platform and Go version, so math/rand's
// unspecified streams are not used. Callers hold Server.mu.
type rngState struct{ x uint64 }

func newRNG(seed uint64) rngState { return rngState{x: seed ^ 0x5eed_2a11_c0ff_ee00} }

func (r *rngState) next() uint64 {
	r.x += 0x9e3779b97f4a7c15
	return mix64(r.x)
}

// mix64 is SplitMix64's finaliser: a good 64-bit hash of x.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

const hexDigits = "0123456789abcdef"

func (r *rngState) hex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[r.next()&15]
	}
	return string(b)
}

const alnumChars = "abcdefghijklmnopqrstuvwxyz0123456789"

func (r *rngState) alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnumChars[r.next()%uint64(len(alnumChars))]
	}
	return string(b)
}

// hasher derives independent values from a record's key: h.pick(k, n) is
// the same for the same record, key and n, whatever else was read.
type hasher uint64

func (h hasher) u(k uint64) uint64 { return mix64(uint64(h) ^ mix64(k+0x632be59bd9b4e019)) }

// pick returns a value in [0, n).
func (h hasher) pick(k uint64, n int) int { return int(h.u(k) % uint64(n)) }

// chance reports true with probability pct/100.
func (h hasher) chance(k uint64, pct int) bool { return h.u(k)%100 < uint64(pct) }
