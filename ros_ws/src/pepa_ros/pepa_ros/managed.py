"""Managed (lifecycle) nodes as ROS engineers drive them: configure → activate → deactivate →
cleanup, over ``~/change_state`` (``ros2 lifecycle set``) or by the node's own start-up.

A subclass builds everything in :meth:`ManagedNode.configure` (parameters and files are read
there), so a cleaned-up node can be configured again. Whatever it creates while configuring
belongs to that configuration: publishers are lifecycle publishers (silent unless active),
subscription callbacks run only while active, timers run only while active, and on cleanup
every publisher, subscription, timer, service, client, guard condition and action
server/client made then is destroyed. Services answer while the node is configured. A
transition that is not allowed from the current state is refused and the log names the state
(rclpy answers a refused transition by label with ``success: false`` only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lifecycle_msgs.msg import State
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.lifecycle.publisher import LifecyclePublisher
from rclpy.publisher import Publisher

if TYPE_CHECKING:
    from rclpy.callback_groups import CallbackGroup
    from rclpy.event_handler import PublisherEventCallbacks, SubscriptionEventCallbacks
    from rclpy.qos import QoSProfile
    from rclpy.qos_overriding_options import QoSOverridingOptions
    from rclpy.subscription import MessageInfo, Subscription
    from rclpy.subscription_content_filter_options import ContentFilterOptions
    from rclpy.type_support import MsgT

log = logging.getLogger(__name__)

SUCCESS = TransitionCallbackReturn.SUCCESS
FAILURE = TransitionCallbackReturn.FAILURE


class LifecycleError(RuntimeError):
    """A transition a node refused or failed; names the node, the transition and the state."""


class ManagedNode(LifecycleNode):
    """See the module docstring."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        self._configuring = False
        self.active = False
        self.configured = False
        self._owned: dict[str, list[Any]] = {}
        super().__init__(name, **kwargs)
        self._name_refusals()

    # --- what subclasses write ------------------------------------------------------------

    def configure(self) -> None:
        """Read parameters and files, build the core object and the node's endpoints."""

    def activate(self) -> None:
        """Called once the publishers run, just before the timers start."""

    def deactivate(self) -> None:
        """Called while the publishers still run, before the node goes inactive."""

    def cleanup(self) -> None:
        """Save and release what configure made (its endpoints are destroyed afterwards)."""

    # --- endpoints made while configuring -------------------------------------------------

    def create_publisher(
        self,
        msg_type: type[MsgT],
        topic: str,
        qos_profile: QoSProfile | int,
        *,
        callback_group: CallbackGroup | None = None,
        event_callbacks: PublisherEventCallbacks | None = None,
        qos_overriding_options: QoSOverridingOptions | None = None,
        publisher_class: type[Publisher[MsgT]] = Publisher,
    ) -> Publisher[MsgT]:
        publisher = super().create_publisher(
            msg_type,
            topic,
            qos_profile,
            callback_group=callback_group,
            event_callbacks=event_callbacks,
            qos_overriding_options=qos_overriding_options,
            publisher_class=LifecyclePublisher if self._configuring else publisher_class,
        )
        if self._configuring and isinstance(publisher, LifecyclePublisher):
            self.add_managed_entity(publisher)
        return publisher

    def create_subscription(
        self,
        msg_type: type[MsgT],
        topic: str,
        callback: Callable[[MsgT], None] | Callable[[MsgT, MessageInfo], None],
        qos_profile: QoSProfile | int,
        *,
        callback_group: CallbackGroup | None = None,
        event_callbacks: SubscriptionEventCallbacks | None = None,
        qos_overriding_options: QoSOverridingOptions | None = None,
        raw: bool = False,
        content_filter_options: ContentFilterOptions | None = None,
    ) -> Subscription[MsgT]:
        if self._configuring:
            inner = callback

            # takes one argument, so rclpy passes the message only (as to every callback here)
            def callback(msg: MsgT, *info: MessageInfo) -> None:
                if self.active:
                    inner(msg, *info)

        return super().create_subscription(
            msg_type,
            topic,
            callback,
            qos_profile,
            callback_group=callback_group,
            event_callbacks=event_callbacks,
            qos_overriding_options=qos_overriding_options,
            raw=raw,
            content_filter_options=content_filter_options,
        )

    def _entities(self) -> dict[str, list[Any]]:
        return {
            "publisher": list(self.publishers),
            "subscription": list(self.subscriptions),
            "timer": list(self.timers),
            "service": list(self.services),
            "client": list(self.clients),
            "guard_condition": list(self.guards),
            "waitable": list(self.waitables),
        }

    # --- transitions ----------------------------------------------------------------------

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        before = self._entities()
        self._configuring = True
        try:
            self.configure()
        except Exception:
            log.exception("%s: configure failed", self.get_name())
            self._owned = _new_since(before, self._entities())
            self._destroy_owned()
            return FAILURE
        finally:
            self._configuring = False
        self._owned = _new_since(before, self._entities())
        for timer in self._owned["timer"]:
            timer.cancel()
        self.configured = True
        return super().on_configure(state)

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        result = super().on_activate(state)  # the lifecycle publishers first
        self.active = True
        self.activate()
        for timer in self._owned.get("timer", []):
            timer.reset()
        return result

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.deactivate()
        for timer in self._owned.get("timer", []):
            timer.cancel()
        self.active = False
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._release()
        return super().on_cleanup(state)

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.stop()
        return SUCCESS

    def stop(self) -> None:
        """Deactivate and clean up from whatever state the node is in (the process ends)."""
        if self.active:
            self.deactivate()
            self.active = False
        if self.configured:
            self._release()

    def _release(self) -> None:
        try:
            self.cleanup()
        finally:
            self._destroy_owned()
            self.configured = False

    def _destroy_owned(self) -> None:
        owned, self._owned = self._owned, {}
        handlers = {  # QoS event handlers go with their publisher or subscription
            id(h)
            for e in (*owned.get("publisher", []), *owned.get("subscription", []))
            for h in e.event_handlers
        }
        for entity in owned.get("waitable", []):
            if id(entity) not in handlers:
                entity.destroy()  # an action server or client leaves the node itself
        destroy: dict[str, Callable[[Any], bool]] = {
            "publisher": self.destroy_publisher,
            "subscription": self.destroy_subscription,
            "timer": self.destroy_timer,
            "service": self.destroy_service,
            "client": self.destroy_client,
            "guard_condition": self.destroy_guard_condition,
        }
        for kind, entities in owned.items():
            for entity in entities if kind in destroy else ():
                if isinstance(entity, LifecyclePublisher):
                    self.destroy_lifecycle_publisher(entity)
                else:
                    destroy[kind](entity)

    def destroy_node(self) -> None:
        try:
            self.stop()
        finally:
            super().destroy_node()

    # --- refused transitions --------------------------------------------------------------

    def state_id(self) -> int:
        """The primary state (lifecycle_msgs/State ids); rclpy keeps it in its state machine."""
        return int(self._state_machine.current_state[0])

    def state_label(self) -> str:
        return str(self._state_machine.current_state[1])

    def _name_refusals(self) -> None:
        """Log the state a refused ``~/change_state`` request was made in (the service is
        rclpy's; its callback is wrapped)."""
        service = self._service_change_state
        inner = service.callback

        def on_change_state(request: Any, response: Any) -> Any:
            before = self.state_label()
            response = inner(request, response)
            if not response.success:
                asked = request.transition.label or f"transition {request.transition.id}"
                log.error(
                    "%s: %s refused in state %s (now %s)",
                    self.get_name(),
                    asked,
                    before,
                    self.state_label(),
                )
            return response

        service.callback = on_change_state


def _new_since(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {kind: [e for e in after[kind] if e not in before[kind]] for kind in after}


def bring_up(node: ManagedNode) -> None:
    """Configure and activate ``node`` (what ``pepa run`` does unless told not to)."""
    for name, trigger, goal in (
        ("configure", node.trigger_configure, State.PRIMARY_STATE_INACTIVE),
        ("activate", node.trigger_activate, State.PRIMARY_STATE_ACTIVE),
    ):
        trigger()
        if node.state_id() != goal:
            raise LifecycleError(
                f"{node.get_name()}: {name} failed; the node is {node.state_label()}"
            )
