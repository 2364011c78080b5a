/**
 * Minimal typings for the parts of `daikon` (pure-JS DICOM reader, no bundled types) that src/data/dicom.ts
 * uses: parsing a Part-10 buffer and getting the decompressed pixel bytes.
 */
declare module 'daikon' {
  interface DaikonImage {
    /** Decompresses if needed and returns all frames' pixel bytes in `littleEndian` order. */
    getRawData(): ArrayBuffer;
    getNumberOfFrames(): number;
    getRows(): number;
    getCols(): number;
    littleEndian: boolean;
  }
  interface DaikonSeries {
    parseImage(data: DataView): DaikonImage | null;
    parserError: unknown;
  }
  const daikon: { Series: DaikonSeries };
  export default daikon;
}
