package main

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

func TestRunnerGone(t *testing.T) {
	host, _ := os.Hostname()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1) to make a dead process")
	}
	dead := host + " pid " + strconv.Itoa(cmd.Process.Pid)
	for holder, want := range map[string]bool{
		runnerName():    false, // this very process
		host + " pid 1": false, // alive
		"another-host pid " + strconv.Itoa(cmd.Process.Pid): false,
		"garbage": false,
		dead:      true,
	} {
		if got := runnerGone(holder); got != want {
			t.Errorf("runnerGone(%q) = %v, want %v", holder, got, want)
		}
	}
}
