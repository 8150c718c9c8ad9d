package store

const crashChildEnv = "INBOXD_CRASH_CHILD"

func crashChild() int { return 0 }
