//! The basic lifecycle through the public API.

mod sim;

use bytes::Bytes;
use mqtt_proto::{CloseReason, Event, Packet, ProtocolVersion, QoS, QosPid, TopicFilter};
use sim::*;

#[test]
fn connect_subscribe_publish_receive_disconnect() {
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut sim = Sim::connected(version);
        let sub = sim.client.subscribe([(TopicFilter::try_from("a/#").unwrap(), Q1)], Default::default()).unwrap();
        let sent = sim.recv();
        let [Packet::Subscribe(s)] = sent.as_slice() else { panic!("{sent:?}") };
        assert_eq!(s.packet_id, sub);
        let id = sim.client.publish(topic("a/b"), Bytes::from_static(b"hi"), Q1, false).unwrap().unwrap();
        let sent = sim.recv();
        let [Packet::Publish(p)] = sent.as_slice() else { panic!("{sent:?}") };
        assert_eq!(p.qos, QosPid::AtLeastOnce(id));
        sim.send(puback(id.get()));
        let events = sim.take_events();
        assert!(matches!(events.as_slice(), [Event::Published(p)] if p.packet_id == id), "{events:?}");
        sim.send(server_publish("a/b", b"hi", QosPid::AtLeastOnce(pid(7))));
        let events = sim.take_events();
        assert!(matches!(events.as_slice(), [Event::Message(m)] if m.payload == "hi" && m.qos == QoS::AtLeastOnce));
        assert!(matches!(sim.recv().as_slice(), [Packet::PubAck(a)] if a.packet_id == pid(7)));
        sim.client.disconnect();
        assert!(matches!(sim.recv().as_slice(), [Packet::Disconnect(_)]));
        assert!(matches!(sim.take_events().as_slice(), [Event::Closed(CloseReason::Disconnected)]));
        assert_eq!(sim.client.poll_timeout(), None);
    }
}
