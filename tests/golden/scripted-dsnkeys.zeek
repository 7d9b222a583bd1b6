#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796578351.238369	CNY0vZ39YKJyImbuxF	127.0.0.21	51493	127.0.0.22	25	1	client.example.org	alice@example.org	bob@example.net	-	<alice@example.org>	<bob@example.net>	-	-	<m1@example.org>	-	message 1	-	from client.example.org ([127.0.0.21])\x09by relay.example.net; Sun, 6 Dec 2026 18:00:01 +0000	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:BbVRJvUDFhKfy0N9uoX+zjNC2GU=
1796578351.340609	CNY0vZ39YKJyImbuxF	127.0.0.21	51493	127.0.0.22	25	2	client.example.org	alice@example.org	bob@example.net	-	<alice@example.org>	<bob@example.net>	-	-	<m2@example.org>	-	message 2	-	from client.example.org ([127.0.0.21])\x09by relay.example.net; Sun, 6 Dec 2026 18:00:02 +0000	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:BbVRJvUDFhKfy0N9uoX+zjNC2GU=
1796578351.422736	CNY0vZ39YKJyImbuxF	127.0.0.21	51493	127.0.0.22	25	3	client.example.org	alice@example.org	bob@example.net	-	<alice@example.org>	<bob@example.net>	-	-	<m3@example.org>	-	message 3	-	from client.example.org ([127.0.0.21])\x09by relay.example.net; Sun, 6 Dec 2026 18:00:03 +0000	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:BbVRJvUDFhKfy0N9uoX+zjNC2GU=
1796578351.836183	CidNgExVCCZQxPkLVg	127.0.0.22	56563	127.0.0.23	25	1	relay.example.net	-	alice@example.org	-	Mail Delivery System <MAILER-DAEMON@relay.example.net>	<alice@example.org>	-	-	-	-	Undelivered Mail Returned to Sender	-	-	-	250 2.0.0 Ok	127.0.0.23,127.0.0.22	-	F	(empty)	1:Pv8Pej/iqM1x7CRsB8nG7RoyPvM=
1796578351.938749	CidNgExVCCZQxPkLVg	127.0.0.22	56563	127.0.0.23	25	2	relay.example.net	-	alice@example.org	-	Mail Delivery System <MAILER-DAEMON@relay.example.net>	<alice@example.org>	-	-	-	-	Undelivered Mail Returned to Sender	-	-	-	250 2.0.0 Ok	127.0.0.23,127.0.0.22	-	F	(empty)	1:Pv8Pej/iqM1x7CRsB8nG7RoyPvM=
1796578352.020617	CidNgExVCCZQxPkLVg	127.0.0.22	56563	127.0.0.23	25	3	relay.example.net	-	alice@example.org	-	Mail Delivery System <MAILER-DAEMON@relay.example.net>	<alice@example.org>	-	-	-	-	Undelivered Mail Returned to Sender	-	-	-	250 2.0.0 Ok	127.0.0.23,127.0.0.22	-	F	(empty)	1:Pv8Pej/iqM1x7CRsB8nG7RoyPvM=
1796578352.102466	CidNgExVCCZQxPkLVg	127.0.0.22	56563	127.0.0.23	25	4	relay.example.net	-	alice@example.org	-	Mail Delivery System <MAILER-DAEMON@relay.example.net>	<alice@example.org>	-	-	-	-	Undelivered Mail Returned to Sender	-	-	-	250 2.0.0 Ok	127.0.0.23,127.0.0.22	-	F	(empty)	1:Pv8Pej/iqM1x7CRsB8nG7RoyPvM=
#close	XXXX-XX-XX-XX-XX-XX
