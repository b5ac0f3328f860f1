"""PEPA's cognitive core: messages, clock, Sys1/Sys2/Sys3, LLM client, runtime, console."""
