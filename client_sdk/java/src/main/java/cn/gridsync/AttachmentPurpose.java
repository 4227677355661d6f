package cn.gridsync;

/** gridsync.v1.AttachmentPurpose: why a file is attached, which figure it is evidence for. */
public enum AttachmentPurpose {
  SCENE(1),             // 现场照片: at the household's door, the place
  SIGNED_AGREEMENT(2),  // 调解协议书, signed
  SIGNATURE(3),         // a guardian's or party's signature
  PUBLICITY(4);         // 宣传: pictures the programme asks for

  final int number;

  AttachmentPurpose(int number) {
    this.number = number;
  }
}
