/** Minimal typings for the parts of dcmjs (no bundled types) that the code uses (src/pacs/dcmjs.ts types the reader and writer parts). */
declare module 'dcmjs' {
  type Dataset = Record<string, unknown>;
  interface TID300Props {
    longAxis: { point1: { x: number; y: number }; point2: { x: number; y: number } };
    shortAxis: { point1: { x: number; y: number }; point2: { x: number; y: number } };
    longAxisLength: number;
    shortAxisLength: number;
    unit: string;
    ReferencedSOPSequence: { ReferencedSOPClassUID: string; ReferencedSOPInstanceUID: string };
    ReferencedFrameOfReferenceUID?: string;
    trackingIdentifierTextValue?: string;
    trackingUniqueIdentifier?: string;
    finding?: { CodeValue: string; CodingSchemeDesignator: string; CodeMeaning: string };
  }
  const dcmjs: {
    utilities: {
      TID300: { Bidirectional: new (props: TID300Props) => unknown };
      TID1500: {
        TID1500MeasurementReport: new (groups: { TID1501MeasurementGroups: unknown[] }, options?: unknown) => { contentItem(ds: Dataset, options?: { PersonName?: string }): Dataset };
        TID1501MeasurementGroup: new (measurements: unknown[]) => unknown;
      };
    };
    derivations: { StructuredReport: new (datasets: Dataset[], options?: unknown) => { dataset: Dataset } };
    data: {
      DicomMetaDictionary: { uid(): string; date(): string; time(): string; naturalizeDataset(ds: unknown): Dataset; denaturalizeDataset(ds: Dataset): unknown };
      DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
      DicomMessage: { readFile(buffer: ArrayBuffer): { meta: unknown; dict: unknown } };
      datasetToBuffer(ds: Dataset): Buffer;
    };
  };
  export default dcmjs;
}
