//go:build race

package pipeline

// poisonRecycled: see Arena.Release. On in race-detector builds (the tests').
const poisonRecycled = true
