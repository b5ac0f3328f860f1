"""Sys1, the sensorimotor system: skills, perception, the safety guard and experience recording.

The entry point is :class:`pepa.agent.sys1.executor.Sys1`; a platform plugs in through the
:class:`pepa.robot.Robot` protocol (:class:`pepa.sim.robot_adapter.SimRobot` for the
simulated office).
"""
