package main

import (
	"os"
	"os/signal"
	"syscall"
)

func osEnv() env {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	return env{
		getenv:  os.Getenv,
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		signals: sig,

		userCacheDir: os.UserCacheDir,
		environ:      os.Environ,
	}
}

// osExit is os.Exit, a variable so tests of the signal path can catch it.
var osExit = os.Exit
