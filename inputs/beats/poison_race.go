//go:build race

package beats

// poisonRecycled: see slabPool. On in race-detector builds (the tests').
const poisonRecycled = true
