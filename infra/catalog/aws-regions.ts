/**
 * AWS regions the config may name, by partition. Buckets can only be created in the
 * partition of the donor's account (the commercial `aws` partition for every donor so
 * far); the other partitions still appear as client regions that `serve` can alias.
 *
 * Opt-in status is AWS's documented list ("Regions introduced after March 20, 2019").
 *
 * Regions that appear only in ip-ranges.json without having launched (me-west-1,
 * sa-west-1, us-south-1 at the time of writing) are left out on purpose.
 */
export type AwsPartition = "aws" | "aws-cn" | "aws-us-gov" | "aws-eusc";

export interface AwsRegionInfo {
  partition: AwsPartition;
  location: string;
  /**
   * Launched after March 2019: disabled in every account until someone opts in, and
   * nothing (a bucket included) can be created there before that.
   */
  optIn?: true;
}

export const AWS_REGIONS: Readonly<Record<string, AwsRegionInfo>> = {
  "af-south-1": { partition: "aws", location: "Cape Town", optIn: true },
  "ap-east-1": { partition: "aws", location: "Hong Kong", optIn: true },
  "ap-east-2": { partition: "aws", location: "Taipei", optIn: true },
  "ap-northeast-1": { partition: "aws", location: "Tokyo" },
  "ap-northeast-2": { partition: "aws", location: "Seoul" },
  "ap-northeast-3": { partition: "aws", location: "Osaka" },
  "ap-south-1": { partition: "aws", location: "Mumbai" },
  "ap-south-2": { partition: "aws", location: "Hyderabad", optIn: true },
  "ap-southeast-1": { partition: "aws", location: "Singapore" },
  "ap-southeast-2": { partition: "aws", location: "Sydney" },
  "ap-southeast-3": { partition: "aws", location: "Jakarta", optIn: true },
  "ap-southeast-4": { partition: "aws", location: "Melbourne", optIn: true },
  "ap-southeast-5": { partition: "aws", location: "Malaysia", optIn: true },
  "ap-southeast-6": { partition: "aws", location: "New Zealand", optIn: true },
  "ap-southeast-7": { partition: "aws", location: "Thailand", optIn: true },
  "ca-central-1": { partition: "aws", location: "Montreal" },
  "ca-west-1": { partition: "aws", location: "Calgary", optIn: true },
  "eu-central-1": { partition: "aws", location: "Frankfurt" },
  "eu-central-2": { partition: "aws", location: "Zurich", optIn: true },
  "eu-north-1": { partition: "aws", location: "Stockholm" },
  "eu-south-1": { partition: "aws", location: "Milan", optIn: true },
  "eu-south-2": { partition: "aws", location: "Spain", optIn: true },
  "eu-west-1": { partition: "aws", location: "Ireland" },
  "eu-west-2": { partition: "aws", location: "London" },
  "eu-west-3": { partition: "aws", location: "Paris" },
  "il-central-1": { partition: "aws", location: "Tel Aviv", optIn: true },
  "me-central-1": { partition: "aws", location: "UAE", optIn: true },
  "me-south-1": { partition: "aws", location: "Bahrain", optIn: true },
  "mx-central-1": { partition: "aws", location: "Mexico", optIn: true },
  "sa-east-1": { partition: "aws", location: "Sao Paulo" },
  "us-east-1": { partition: "aws", location: "N. Virginia" },
  "us-east-2": { partition: "aws", location: "Ohio" },
  "us-west-1": { partition: "aws", location: "N. California" },
  "us-west-2": { partition: "aws", location: "Oregon" },
  "cn-north-1": { partition: "aws-cn", location: "Beijing" },
  "cn-northwest-1": { partition: "aws-cn", location: "Ningxia" },
  "us-gov-east-1": { partition: "aws-us-gov", location: "GovCloud US-East" },
  "us-gov-west-1": { partition: "aws-us-gov", location: "GovCloud US-West" },
  "eusc-de-east-1": { partition: "aws-eusc", location: "Brandenburg" },
};
