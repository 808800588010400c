package sheets

// chunkBits sizes the chunks of a chunks: 16,384 entries each.
const chunkBits = 14

const chunkLen = 1 << chunkBits

// chunks is an append-only sequence held in fixed-size chunks. A slice
// grown by append is copied into one a quarter larger each time, the old
// and the new array both held during the copy, and the old ones left for
// the collector: a tab's read peaked at about twice what it kept. A
// chunks copies only its first chunk while that grows to full size (so a
// small range costs little), then adds chunks and never copies again.
type chunks[T any] struct {
	c [][]T
	n int
}

func (s *chunks[T]) len() int { return s.n }

func (s *chunks[T]) at(i int) T { return s.c[i>>chunkBits][i&(chunkLen-1)] }

func (s *chunks[T]) set(i int, v T) { s.c[i>>chunkBits][i&(chunkLen-1)] = v }

func (s *chunks[T]) push(v T) {
	k := s.n >> chunkBits
	if k == len(s.c) {
		capacity := chunkLen
		if k == 0 {
			capacity = 16
		}
		s.c = append(s.c, make([]T, 0, capacity))
	}
	if a := s.c[k]; len(a) == cap(a) { // only the first chunk, up to chunkLen
		s.c[k] = append(make([]T, 0, min(2*cap(a), chunkLen)), a...)
	}
	s.c[k] = append(s.c[k], v)
	s.n++
}

// truncate drops the entries from n on.
func (s *chunks[T]) truncate(n int) {
	if n >= s.n {
		return
	}
	k := n >> chunkBits
	s.c[k] = s.c[k][:n&(chunkLen-1)]
	clear(s.c[k+1:])
	s.c = s.c[:k+1]
	s.n = n
}
